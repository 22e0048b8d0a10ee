package greencard

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

// Agent request statuses: submitted → accepted → in_progress → resolved | rejected.
const (
	RequestSubmitted  = "submitted"
	RequestAccepted   = "accepted"
	RequestInProgress = "in_progress"
	RequestResolved   = "resolved"
	RequestRejected   = "rejected"
)

// Request is an agent-service request (代办) worked by a commissioner on a holder's behalf.
type Request struct {
	ID             int64      `db:"id" json:"id"`
	TalentID       int64      `db:"talent_id" json:"talent_id"`
	ServiceCode    string     `db:"service_code" json:"service"`
	Description    string     `db:"description" json:"description"`
	Status         string     `db:"status" json:"status" enum:"submitted,accepted,in_progress,resolved,rejected"`
	CommissionerID *int64     `db:"commissioner_id" json:"commissioner_id"`
	FiledBy        string     `db:"filed_by" json:"filed_by"`
	DueOn          civil.Date `db:"due_on" json:"due_on"`
	AcceptedAt     *time.Time `db:"accepted_at" json:"accepted_at,omitempty"`
	ClosedAt       *time.Time `db:"closed_at" json:"closed_at,omitempty"`
	Outcome        string     `db:"outcome" json:"outcome,omitempty"`
	Satisfaction   *int       `db:"satisfaction" json:"satisfaction,omitempty"`
	Overdue        bool       `db:"overdue" json:"overdue" doc:"Still open after its due date"`
	EnterpriseID   *int64     `db:"enterprise_id" json:"-"`
	FiledByID      *int64     `db:"filed_by_id" json:"-"`
	CreatedAt      time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt      time.Time  `db:"updated_at" json:"updated_at"`
}

// RequestNote is one step of a request's history.
type RequestNote struct {
	FromStatus *string   `db:"from_status" json:"from_status,omitempty"`
	ToStatus   string    `db:"to_status" json:"to_status"`
	Note       string    `db:"note" json:"note,omitempty"`
	Actor      string    `db:"actor_username" json:"actor"`
	At         time.Time `db:"at" json:"at"`
}

// Errors of the agent request operations.
var (
	ErrRequestNotFound   = errs.Untranslated(errs.NotFound, "agent request not found")
	ErrNoCommissioner    = errs.Untranslated(errs.Conflict, "no active commissioner to assign the request to")
	ErrNotCommissioner   = errs.UntranslatedFields("not a commissioner", errs.FieldError{Location: "body.commissioner_id", Message: "must be an active commissioner account"})
	ErrNotYourRequest    = errs.Untranslated(errs.Forbidden, "the request is assigned to another commissioner")
	ErrHolderNotEnrolled = errs.Untranslated(errs.Conflict, "agent requests are for registered talent holding a card")
)

const requestColumns = `r.id, r.talent_id, r.service_code, r.description, r.status, r.commissioner_id, r.filed_by,
       r.due_on, r.accepted_at, r.closed_at, r.outcome, r.satisfaction,
       (r.status IN ('submitted', 'accepted', 'in_progress') AND r.due_on < (now() AT TIME ZONE 'Asia/Shanghai')::date) AS overdue,
       t.enterprise_id, r.filed_by_id, r.created_at, r.updated_at`

const requestFrom = ` FROM agent_requests r JOIN talents t ON t.id = r.talent_id`

// Least open load first; ties go to the longest-serving commissioner.
const selectLeastLoaded = `
SELECT a.id FROM accounts a
LEFT JOIN agent_requests r ON r.commissioner_id = a.id AND r.status IN ('submitted', 'accepted', 'in_progress')
WHERE a.role = 'commissioner' AND a.active
GROUP BY a.id ORDER BY count(r.id), a.id LIMIT 1`

const insertRequest = `
INSERT INTO agent_requests (talent_id, service_code, description, commissioner_id, filed_by_id, filed_by, due_on)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`

// FileRequest files an agent request for a registered talent (HR: its own talent only), assigned to
// the given commissioner or, when none is named, to the one with the fewest open requests. The
// due date follows the service's standard.
func (s *Service) FileRequest(ctx context.Context, talentID int64, serviceCode, description string, commissionerID *int64) (Request, error) {
	p, scope, err := filerReaches.Scope(ctx)
	if err != nil {
		return Request{}, err
	}
	if scope.None() {
		return Request{}, auth.ErrForbidden
	}
	description = strings.TrimSpace(description)
	if description == "" {
		return Request{}, errs.UntranslatedFields("a description is required", errs.FieldError{Location: "body.description", Message: "required"})
	}
	// The holder is read inside the transaction with its row held (lockHolder), so a departure
	// committed meanwhile is seen; one outside the caller's reach is not found.
	var id int64
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
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
		item, err := serviceItem(ctx, tx, serviceCode, false)
		if err != nil {
			return err
		}
		// Serialise assignments so two requests filed at once see each other's load.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7421)`); err != nil {
			return postgres.Translate(err, "assign")
		}
		assignee := commissionerID
		if assignee == nil {
			var a int64
			if err := sqlx.GetContext(ctx, tx, &a, selectLeastLoaded); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return ErrNoCommissioner
				}
				return postgres.Translate(err, "assign")
			}
			assignee = &a
		} else if err := checkCommissioner(ctx, tx, *assignee); err != nil {
			return err
		}
		due := civil.New(s.today().Time().Year(), s.today().Time().Month(), s.today().Time().Day()+item.StandardDays)
		if err := sqlx.GetContext(ctx, tx, &id, insertRequest, talentID, serviceCode, description, assignee,
			p.ActorID(), p.Username, due); err != nil {
			return postgres.Translate(err, "file request")
		}
		if err := insertRequestNote(ctx, tx, p, id, nil, RequestSubmitted, description); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "agent_request.file", EntityType: "agent_request",
			EntityID: itoa(id), After: map[string]any{"talent_id": talentID, "service": serviceCode, "commissioner_id": assignee, "due_on": due}})
	})
	if err != nil {
		return Request{}, err
	}
	return getRequest(ctx, s.db, id, false)
}

func checkCommissioner(ctx context.Context, q sqlx.QueryerContext, id int64) error {
	var ok bool
	if err := sqlx.GetContext(ctx, q, &ok, `SELECT EXISTS (SELECT 1 FROM accounts WHERE id = $1 AND role = 'commissioner' AND active)`, id); err != nil {
		return postgres.Translate(err, "commissioner")
	}
	if !ok {
		return ErrNotCommissioner
	}
	return nil
}

func getRequest(ctx context.Context, q sqlx.QueryerContext, id int64, forUpdate bool) (Request, error) {
	query := `SELECT ` + requestColumns + requestFrom + ` WHERE r.id = $1`
	if forUpdate {
		query += ` FOR UPDATE OF r`
	}
	var r Request
	err := sqlx.GetContext(ctx, q, &r, query, id)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrRequestNotFound
	}
	return r, postgres.Translate(err, "agent request")
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
	notes := []RequestNote{}
	err = sqlx.SelectContext(ctx, s.db, &notes, `SELECT from_status, to_status, note, actor_username, at
		FROM agent_request_notes WHERE request_id = $1 ORDER BY id`, id)
	return r, notes, postgres.Translate(err, "request notes")
}

const insertNote = `
INSERT INTO agent_request_notes (request_id, from_status, to_status, note, actor_id, actor_username)
VALUES ($1, $2, $3, $4, $5, $6)`

func insertRequestNote(ctx context.Context, q sqlx.ExtContext, p auth.Principal, id int64, from *string, to, note string) error {
	_, err := q.ExecContext(ctx, insertNote, id, from, to, note, p.ActorID(), p.Username)
	return postgres.Translate(err, "request note")
}

// requestMoves are the steps of the request workflow: from which statuses each action goes where.
var requestMoves = map[string]struct {
	from []string
	to   string
}{
	"accept":  {[]string{RequestSubmitted}, RequestAccepted},
	"start":   {[]string{RequestAccepted}, RequestInProgress},
	"resolve": {[]string{RequestAccepted, RequestInProgress}, RequestResolved},
	"reject":  {[]string{RequestSubmitted, RequestAccepted, RequestInProgress}, RequestRejected},
}

const moveRequest = `
UPDATE agent_requests SET status = $2,
       accepted_at = CASE WHEN $2 = 'accepted' THEN now() ELSE accepted_at END,
       closed_at = CASE WHEN $2 IN ('resolved', 'rejected') THEN now() ELSE closed_at END,
       outcome = CASE WHEN $2 IN ('resolved', 'rejected') THEN $3 ELSE outcome END,
       version = version + 1, updated_at = now()
WHERE id = $1`

// MoveRequest takes one workflow step (accept, start, resolve, reject) with a note. A commissioner
// works only the requests assigned to them; the office may act on any.
func (s *Service) MoveRequest(ctx context.Context, id int64, action, note string) (Request, error) {
	p, err := auth.Require(ctx, workerRoles...)
	if err != nil {
		return Request{}, err
	}
	scope := requestReaches.ScopeOf(p)
	mv, ok := requestMoves[action]
	if !ok {
		return Request{}, errs.Untranslatedf(errs.BadRequest, "unknown action %q", action)
	}
	note = strings.TrimSpace(note)
	if (action == "resolve" || action == "reject") && note == "" {
		return Request{}, errs.UntranslatedFields("a note is required", errs.FieldError{Location: "body.note", Message: "say what was done or why not"})
	}
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := getRequest(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if !requestInScope(before, scope) {
			return ErrRequestNotFound
		}
		ok := false
		for _, f := range mv.from {
			ok = ok || f == before.Status
		}
		if !ok {
			return errs.Untranslatedf(errs.Conflict, "cannot %s a request that is %s", action, before.Status)
		}
		if _, err := tx.ExecContext(ctx, moveRequest, id, mv.to, note); err != nil {
			return postgres.Translate(err, "move request")
		}
		if err := insertRequestNote(ctx, tx, p, id, &before.Status, mv.to, note); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "agent_request." + action, EntityType: "agent_request",
			EntityID: itoa(id), Before: map[string]any{"status": before.Status}, After: map[string]any{"status": mv.to, "note": note}})
	})
	if err != nil {
		return Request{}, err
	}
	return getRequest(ctx, s.db, id, false)
}

// AssignRequest hands an open request to another commissioner (talent office).
func (s *Service) AssignRequest(ctx context.Context, id, commissionerID int64) (Request, error) {
	p, err := auth.Require(ctx, officeRoles...)
	if err != nil {
		return Request{}, err
	}
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := getRequest(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if before.Status == RequestResolved || before.Status == RequestRejected {
			return errs.Untranslated(errs.Conflict, "the request is closed")
		}
		if err := checkCommissioner(ctx, tx, commissionerID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE agent_requests SET commissioner_id = $2, version = version + 1, updated_at = now() WHERE id = $1`, id, commissionerID); err != nil {
			return postgres.Translate(err, "assign request")
		}
		if err := insertRequestNote(ctx, tx, p, id, &before.Status, before.Status, fmt.Sprintf("assigned to commissioner %d", commissionerID)); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "agent_request.assign", EntityType: "agent_request", EntityID: itoa(id),
			Before: map[string]any{"commissioner_id": before.CommissionerID}, After: map[string]any{"commissioner_id": commissionerID}})
	})
	if err != nil {
		return Request{}, err
	}
	return getRequest(ctx, s.db, id, false)
}

// RateRequest records the holder's satisfaction (1–5) with a resolved request.
func (s *Service) RateRequest(ctx context.Context, id int64, score int) (Request, error) {
	_, scope, err := requestReaches.Scope(ctx)
	if err != nil {
		return Request{}, err
	}
	if score < 1 || score > 5 {
		return Request{}, errs.UntranslatedFields("satisfaction is 1 to 5", errs.FieldError{Location: "body.satisfaction", Message: "1 to 5", Value: score})
	}
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := getRequest(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if !requestInScope(before, scope) {
			return ErrRequestNotFound
		}
		if before.Status != RequestResolved {
			return errs.Untranslated(errs.Conflict, "only a resolved request can be rated")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE agent_requests SET satisfaction = $2, version = version + 1, updated_at = now() WHERE id = $1`, id, score); err != nil {
			return postgres.Translate(err, "rate request")
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "agent_request.rate", EntityType: "agent_request", EntityID: itoa(id),
			Before: map[string]any{"satisfaction": before.Satisfaction}, After: map[string]any{"satisfaction": score}})
	})
	if err != nil {
		return Request{}, err
	}
	return getRequest(ctx, s.db, id, false)
}

// RequestFilter narrows a listing of requests.
type RequestFilter struct {
	Status         string
	ServiceCode    string
	CommissionerID int64
	TalentID       int64
	Overdue        bool
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
	query := `SELECT ` + requestColumns + requestFrom + `
WHERE ` + requestScopeSQL(8) + `
  AND ($1 = '' OR r.status = $1) AND ($2 = '' OR r.service_code = $2)
  AND (CAST($3 AS bigint) = 0 OR r.commissioner_id = CAST($3 AS bigint))
  AND (CAST($4 AS bigint) = 0 OR r.talent_id = CAST($4 AS bigint))
  AND (NOT $5 OR (r.status IN ('submitted', 'accepted', 'in_progress') AND r.due_on < (now() AT TIME ZONE 'Asia/Shanghai')::date))
  AND (CAST($6 AS bigint) = 0 OR r.id < CAST($6 AS bigint))
ORDER BY r.id DESC LIMIT $7`
	var rows []Request
	if err := sqlx.SelectContext(ctx, s.db, &rows, query, append([]any{f.Status, f.ServiceCode, f.CommissionerID, f.TalentID,
		f.Overdue, after, q.Size() + 1}, requestScopeArgs(scope)...)...); err != nil {
		return page.Of[Request]{}, postgres.Translate(err, "list requests")
	}
	return page.Build(rows, q.Size(), func(r Request) int64 { return r.ID }), nil
}

// RequestStats are the figures the district reports for agent requests.
type RequestStats struct {
	RequestCounts
	ByService      []ServiceRequestCounts      `json:"by_service"`
	ByCommissioner []CommissionerRequestCounts `json:"by_commissioner"`
}

// RequestCounts are the counts and rates of one group of requests.
type RequestCounts struct {
	Received        int      `db:"received" json:"received"`
	Accepted        int      `db:"accepted" json:"accepted" doc:"Taken up by a commissioner (接哨)"`
	Resolved        int      `db:"resolved" json:"resolved"`
	ResolvedOnTime  int      `db:"resolved_on_time" json:"resolved_on_time"`
	Rejected        int      `db:"rejected" json:"rejected"`
	Open            int      `db:"open" json:"open"`
	Overdue         int      `db:"overdue" json:"overdue"`
	AcceptanceRate  float64  `db:"acceptance_rate" json:"acceptance_rate" doc:"接哨率: accepted / received"`
	ResolutionRate  float64  `db:"resolution_rate" json:"resolution_rate" doc:"办结率: resolved / received"`
	OnTimeRate      float64  `db:"on_time_rate" json:"on_time_rate" doc:"resolved on time / resolved"`
	AvgSatisfaction *float64 `db:"avg_satisfaction" json:"avg_satisfaction" doc:"满意度: mean of the 1–5 ratings"`
	RatedRequests   int      `db:"rated" json:"rated"`
}

// ServiceRequestCounts are one service's figures.
type ServiceRequestCounts struct {
	Service string `db:"service_code" json:"service"`
	RequestCounts
}

// CommissionerRequestCounts are one commissioner's figures.
type CommissionerRequestCounts struct {
	CommissionerID int64  `db:"commissioner_id" json:"commissioner_id"`
	Name           string `db:"display_name" json:"name"`
	RequestCounts
}

const requestCountsSelect = `
count(*) AS received,
count(*) FILTER (WHERE r.accepted_at IS NOT NULL) AS accepted,
count(*) FILTER (WHERE r.status = 'resolved') AS resolved,
count(*) FILTER (WHERE r.status = 'resolved' AND (r.closed_at AT TIME ZONE 'Asia/Shanghai')::date <= r.due_on) AS resolved_on_time,
count(*) FILTER (WHERE r.status = 'rejected') AS rejected,
count(*) FILTER (WHERE r.status IN ('submitted', 'accepted', 'in_progress')) AS open,
count(*) FILTER (WHERE r.status IN ('submitted', 'accepted', 'in_progress') AND r.due_on < (now() AT TIME ZONE 'Asia/Shanghai')::date) AS overdue,
COALESCE(round(count(*) FILTER (WHERE r.accepted_at IS NOT NULL)::numeric / NULLIF(count(*), 0), 4), 0)::float8 AS acceptance_rate,
COALESCE(round(count(*) FILTER (WHERE r.status = 'resolved')::numeric / NULLIF(count(*), 0), 4), 0)::float8 AS resolution_rate,
COALESCE(round(count(*) FILTER (WHERE r.status = 'resolved' AND (r.closed_at AT TIME ZONE 'Asia/Shanghai')::date <= r.due_on)::numeric
      / NULLIF(count(*) FILTER (WHERE r.status = 'resolved'), 0), 4), 0)::float8 AS on_time_rate,
round(avg(r.satisfaction), 2)::float8 AS avg_satisfaction,
count(r.satisfaction) AS rated`

// requestScopeSQL confines a query over agent_requests r joined to talents t to a scope, whose
// requestScopeArgs are the query's parameters $n, $n+1 and $n+2.
func requestScopeSQL(n int) string {
	return fmt.Sprintf(`(CAST($%d AS boolean) OR t.enterprise_id = CAST($%d AS bigint)
  OR r.commissioner_id = CAST($%d AS bigint) OR r.filed_by_id = CAST($%[3]d AS bigint))`, n, n+1, n+2)
}

func requestScopeArgs(scope auth.Scope) []any {
	return []any{scope.All(), scope.EnterpriseID(), scope.AccountID()}
}

// requestStatsWhere takes the period as $1 and $2 and the scope as $3 to $5.
var requestStatsWhere = ` FROM agent_requests r JOIN talents t ON t.id = r.talent_id
WHERE r.created_at >= $1 AND r.created_at < $2 AND ` + requestScopeSQL(3)

// RequestStatistics computes the figures for requests filed in [from, to), within the caller's scope.
func (s *Service) RequestStatistics(ctx context.Context, from, to time.Time) (RequestStats, error) {
	_, scope, err := requestReaches.Scope(ctx)
	if err != nil {
		return RequestStats{}, err
	}
	args := append([]any{from, to}, requestScopeArgs(scope)...)
	var out RequestStats
	if err := sqlx.GetContext(ctx, s.db, &out.RequestCounts, `SELECT `+requestCountsSelect+requestStatsWhere, args...); err != nil {
		return out, postgres.Translate(err, "request statistics")
	}
	out.ByService = []ServiceRequestCounts{}
	if err := sqlx.SelectContext(ctx, s.db, &out.ByService, `SELECT r.service_code, `+requestCountsSelect+requestStatsWhere+
		` GROUP BY r.service_code ORDER BY r.service_code`, args...); err != nil {
		return out, postgres.Translate(err, "request statistics")
	}
	out.ByCommissioner = []CommissionerRequestCounts{}
	if err := sqlx.SelectContext(ctx, s.db, &out.ByCommissioner, `SELECT r.commissioner_id, a.display_name, `+requestCountsSelect+
		` FROM agent_requests r JOIN talents t ON t.id = r.talent_id JOIN accounts a ON a.id = r.commissioner_id
WHERE r.created_at >= $1 AND r.created_at < $2 AND `+requestScopeSQL(3)+`
GROUP BY r.commissioner_id, a.display_name ORDER BY r.commissioner_id`, args...); err != nil {
		return out, postgres.Translate(err, "request statistics")
	}
	return out, nil
}
