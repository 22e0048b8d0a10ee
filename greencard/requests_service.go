package greencard

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/page"
	"talentd/internal/postgres"
	"talentd/talent"
)

// FileRequestForCard files an agent request for the holder of the card with in.CardSerial: a
// valid card of a registered talent within the caller's reach (HR: its own enterprise's), which a
// window must have verified valid today. See FileRequest for the assignment and the due date.
func (s *Service) FileRequestForCard(ctx context.Context, in RequestInput) (Request, error) {
	p, scope, in, err := s.filing(ctx, in)
	if err != nil {
		return Request{}, err
	}
	serial := strings.ToUpper(strings.TrimSpace(in.CardSerial))
	if serial == "" {
		return Request{}, errs.Fields(errs.Field("body.card_serial", "required", "请填写卡号", "the card's serial is required", nil))
	}
	if err := s.requireSight(ctx, p, serial); err != nil {
		return Request{}, err
	}
	return s.file(ctx, p, scope, in, func(tx *sqlx.Tx) (int64, error) {
		c, err := cardBySerial(ctx, tx, serial, false)
		if err != nil {
			return 0, err
		}
		if !scope.SeesEnterprise(c.EnterpriseID) {
			return 0, ErrCardNotFound
		}
		v, err := s.checkSerial(ctx, tx, serial, false)
		if err != nil {
			return 0, err
		}
		if !v.Valid {
			return 0, errCardInvalid(string(v.Reason))
		}
		return c.TalentID, nil
	})
}

// FileRequest files an agent request for a registered talent (HR: its own talent only), assigned
// to the given commissioner or, when none is named, to the one with the fewest open requests. The
// due date follows the service's standard.
func (s *Service) FileRequest(ctx context.Context, talentID int64, serviceCode, description string, commissionerID *int64) (Request, error) {
	p, scope, in, err := s.filing(ctx, RequestInput{Service: serviceCode, Description: description, CommissionerID: commissionerID})
	if err != nil {
		return Request{}, err
	}
	return s.file(ctx, p, scope, in, func(*sqlx.Tx) (int64, error) { return talentID, nil })
}

// filing checks who files and what, before anything is read.
func (s *Service) filing(ctx context.Context, in RequestInput) (auth.Principal, auth.Scope, RequestInput, error) {
	p, scope, err := filerReaches.Scope(ctx)
	if err != nil {
		return p, scope, in, err
	}
	if scope.None() {
		return p, scope, in, auth.ErrForbidden
	}
	in.Description = strings.TrimSpace(in.Description)
	if in.Description == "" {
		return p, scope, in, errDescriptionRequired
	}
	return p, scope, in, nil
}

// file stores the request for the talent that holder names inside the transaction. The holder is
// read with its row held (lockHolder), so a departure committed meanwhile is seen; one outside
// the caller's reach is not found.
func (s *Service) file(ctx context.Context, p auth.Principal, scope auth.Scope, in RequestInput,
	holder func(tx *sqlx.Tx) (int64, error)) (Request, error) {
	var id int64
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		talentID, err := holder(tx)
		if err != nil {
			return err
		}
		h, err := lockHolder(ctx, tx, talentID)
		if err != nil {
			return err
		}
		if !scope.SeesEnterprise(h.EnterpriseID) {
			return talent.ErrTalentNotFound
		}
		if h.Status != talent.StatusRegistered {
			return ErrHolderNotEnrolled
		}
		item, err := serviceItem(ctx, tx, in.Service, false)
		if err != nil {
			return err
		}
		if err := lockAssignments(ctx, tx); err != nil {
			return err
		}
		r := newRequest{talentID: talentID, service: in.Service, description: in.Description}
		if in.CommissionerID == nil {
			r.commissioner, err = leastLoadedCommissioner(ctx, tx)
		} else {
			r.commissioner, err = *in.CommissionerID, checkCommissioner(ctx, tx, *in.CommissionerID)
		}
		if err != nil {
			return err
		}
		today := s.today().Time()
		r.due = civil.New(today.Year(), today.Month(), today.Day()+item.StandardDays)
		if id, err = insertRequestRow(ctx, tx, r, p); err != nil {
			return err
		}
		if err := insertRequestNote(ctx, tx, id, requestNote{to: RequestSubmitted, text: in.Description}, p); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "agent_request.file", EntityType: "agent_request", EntityID: itoa(id),
			After: map[string]any{"talent_id": talentID, "service": in.Service, "commissioner_id": r.commissioner, "due_on": r.due}})
	})
	if err != nil {
		return Request{}, err
	}
	return getRequest(ctx, s.db, id, false)
}

// GetRequest returns a request the caller may see, with its history.
func (s *Service) GetRequest(ctx context.Context, id int64) (Request, []RequestNote, error) {
	_, scope, err := requestReaches.Scope(ctx)
	if err != nil {
		return Request{}, nil, err
	}
	r, err := getRequest(ctx, s.db, id, false)
	if err != nil {
		return Request{}, nil, err
	}
	if !requestInScope(r, scope) {
		return Request{}, nil, ErrRequestNotFound
	}
	notes, err := requestNotes(ctx, s.db, id)
	return r, notes, err
}

// requestChange is one change to an agent request, made by changeRequest.
type requestChange struct {
	action string // audited as agent_request.<action>
	// check refuses the change when the request (or anything else read in tx) does not allow it.
	check func(tx *sqlx.Tx, before Request) error
	// update is the statement that makes the change, with the request's id as $1 and args after it.
	update string
	args   []any
	// note is the line the change adds to the request's history; nil adds none.
	note func(before Request) *requestNote
	// audited is what the audit record says was before and after.
	audited func(before Request) (any, any)
}

// changeRequest makes one change to a request in the caller's scope: lock it, check its state,
// write, add to its history, audit — in one transaction.
func (s *Service) changeRequest(ctx context.Context, p auth.Principal, scope auth.Scope, id int64, c requestChange) (Request, error) {
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := getRequest(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if !requestInScope(before, scope) {
			return ErrRequestNotFound
		}
		if err := c.check(tx, before); err != nil {
			return err
		}
		if err := execRequest(ctx, tx, c.action+" request", c.update, append([]any{id}, c.args...)...); err != nil {
			return err
		}
		if n := c.note(before); n != nil {
			if err := insertRequestNote(ctx, tx, id, *n, p); err != nil {
				return err
			}
		}
		b, a := c.audited(before)
		return audit.Write(ctx, tx, audit.Entry{Action: "agent_request." + c.action, EntityType: "agent_request",
			EntityID: itoa(id), Before: b, After: a})
	})
	if err != nil {
		return Request{}, err
	}
	return getRequest(ctx, s.db, id, false)
}

// requestMoves are the steps of the request workflow: from which statuses each action goes where.
var requestMoves = map[string]struct {
	from []RequestStatus
	to   RequestStatus
}{
	ActionAccept:  {[]RequestStatus{RequestSubmitted}, RequestAccepted},
	ActionStart:   {[]RequestStatus{RequestAccepted}, RequestInProgress},
	ActionResolve: {[]RequestStatus{RequestAccepted, RequestInProgress}, RequestResolved},
	ActionReject:  {[]RequestStatus{RequestSubmitted, RequestAccepted, RequestInProgress}, RequestRejected},
}

// MoveRequest takes one workflow step (accept, start, resolve, reject) with a note. A commissioner
// works only the requests assigned to them; the office may act on any.
func (s *Service) MoveRequest(ctx context.Context, id int64, action, note string) (Request, error) {
	p, err := auth.Require(ctx, workerRoles...)
	if err != nil {
		return Request{}, err
	}
	mv, ok := requestMoves[action]
	if !ok {
		return Request{}, errUnknownAction(action)
	}
	note = strings.TrimSpace(note)
	if (action == ActionResolve || action == ActionReject) && note == "" {
		return Request{}, errNoteRequired
	}
	return s.changeRequest(ctx, p, requestReaches.ScopeOf(p), id, requestChange{
		action: action,
		check: func(_ *sqlx.Tx, before Request) error {
			if !slices.Contains(mv.from, before.Status) {
				return errCannotMove(action, string(before.Status))
			}
			return nil
		},
		update: updateRequestStatus, args: []any{mv.to, note},
		note: func(before Request) *requestNote { return &requestNote{from: &before.Status, to: mv.to, text: note} },
		audited: func(before Request) (any, any) {
			return map[string]any{"status": before.Status}, map[string]any{"status": mv.to, "note": note}
		},
	})
}

// AssignRequest hands an open request to another commissioner (talent office).
func (s *Service) AssignRequest(ctx context.Context, id, commissionerID int64) (Request, error) {
	p, err := auth.Require(ctx, officeRoles...)
	if err != nil {
		return Request{}, err
	}
	return s.changeRequest(ctx, p, requestReaches.ScopeOf(p), id, requestChange{
		action: "assign",
		check: func(tx *sqlx.Tx, before Request) error {
			if before.Status == RequestResolved || before.Status == RequestRejected {
				return ErrRequestClosed
			}
			return checkCommissioner(ctx, tx, commissionerID)
		},
		update: updateRequestCommissioner, args: []any{commissionerID},
		note: func(before Request) *requestNote {
			return &requestNote{from: &before.Status, to: before.Status, text: fmt.Sprintf("改派给人才服务专员（账号 %d）", commissionerID)}
		},
		audited: func(before Request) (any, any) {
			return map[string]any{"commissioner_id": before.CommissionerID}, map[string]any{"commissioner_id": commissionerID}
		},
	})
}

// RateRequest records the holder's satisfaction (1–5) with a resolved request.
func (s *Service) RateRequest(ctx context.Context, id int64, score int) (Request, error) {
	p, scope, err := requestReaches.Scope(ctx)
	if err != nil {
		return Request{}, err
	}
	if score < 1 || score > 5 {
		return Request{}, errSatisfactionRange
	}
	return s.changeRequest(ctx, p, scope, id, requestChange{
		action: "rate",
		check: func(_ *sqlx.Tx, before Request) error {
			if before.Status != RequestResolved {
				return ErrRequestNotResolved
			}
			return nil
		},
		update: updateRequestSatisfaction, args: []any{score},
		note: func(Request) *requestNote { return nil },
		audited: func(before Request) (any, any) {
			return map[string]any{"satisfaction": before.Satisfaction}, map[string]any{"satisfaction": score}
		},
	})
}

// ListRequests lists the requests the caller may see, newest first.
func (s *Service) ListRequests(ctx context.Context, f RequestFilter, q page.Query) (page.Of[Request], error) {
	_, scope, err := requestReaches.Scope(ctx)
	if err != nil {
		return page.Of[Request]{}, err
	}
	after, err := q.After()
	if err != nil {
		return page.Of[Request]{}, err
	}
	rows, err := listRequests(ctx, s.db, f, scope, after, q.Size()+1)
	if err != nil {
		return page.Of[Request]{}, err
	}
	return page.Build(rows, q.Size(), func(r Request) int64 { return r.ID }), nil
}

// RequestStatistics computes the figures for requests filed in [from, to), within the caller's scope.
func (s *Service) RequestStatistics(ctx context.Context, from, to time.Time) (RequestStats, error) {
	_, scope, err := requestReaches.Scope(ctx)
	if err != nil {
		return RequestStats{}, err
	}
	return requestStatistics(ctx, s.db, from, to, scope)
}
