package talent

import (
	"context"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/postgres"
)

// step is one workflow action: who may take it, from which statuses, to which.
type step struct {
	action      string
	from        []Status
	to          Status
	officeOnly  bool
	needsReason bool
}

var (
	stepSubmit     = step{action: "submit", from: []Status{StatusDraft, StatusReturned}, to: StatusSubmitted}
	stepApprove    = step{action: "approve", from: []Status{StatusSubmitted}, to: StatusRegistered, officeOnly: true}
	stepReturn     = step{action: "return", from: []Status{StatusSubmitted}, to: StatusReturned, officeOnly: true, needsReason: true}
	stepReject     = step{action: "reject", from: []Status{StatusSubmitted}, to: StatusRejected, officeOnly: true, needsReason: true}
	stepLeave      = step{action: "leave", from: []Status{StatusRegistered}, to: StatusLeft, needsReason: true}
	stepReregister = step{action: "re-register", from: []Status{StatusLeft, StatusRejected}, to: StatusDraft, officeOnly: true}
	stepOverride   = step{action: "override_grade", from: []Status{StatusRegistered}, to: StatusRegistered, officeOnly: true, needsReason: true}
)

// stepInput is what a step takes besides the record: the reason (return, reject, leave, override),
// the new employer (re-registration; nil keeps the old one) and the grade (override).
type stepInput struct {
	reason     string
	enterprise *int64
	grade      Grade
}

// Submit sends a draft or returned record for review; it must be eligible under the policy in force.
func (s *Service) Submit(ctx context.Context, id int64) (Talent, error) {
	return s.move(ctx, id, stepSubmit, stepInput{})
}

// Approve registers a submitted record: its grade is decided by the policy in force and the
// decision is kept with the policy version and the attributes it was computed from.
func (s *Service) Approve(ctx context.Context, id int64) (Talent, error) {
	return s.move(ctx, id, stepApprove, stepInput{})
}

// Return sends a submitted record back to HR for correction, with the office's comments.
func (s *Service) Return(ctx context.Context, id int64, reason string) (Talent, error) {
	return s.move(ctx, id, stepReturn, stepInput{reason: reason})
}

// Reject refuses a submitted record, with the reason.
func (s *Service) Reject(ctx context.Context, id int64, reason string) (Talent, error) {
	return s.move(ctx, id, stepReject, stepInput{reason: reason})
}

// Leave records that a registered talent left the district or the employer.
func (s *Service) Leave(ctx context.Context, id int64, reason string) (Talent, error) {
	return s.move(ctx, id, stepLeave, stepInput{reason: reason})
}

// Reregister reopens a record that left or was rejected as a draft, optionally for another
// enterprise (a person who changed employer), so that it can go through review again.
func (s *Service) Reregister(ctx context.Context, id int64, enterpriseID *int64) (Talent, error) {
	return s.move(ctx, id, stepReregister, stepInput{enterprise: enterpriseID})
}

// OverrideGrade sets a registered talent's grade by hand, with a reason; the decision is kept and
// audited, and shown as an override. A later policy publication leaves overridden grades alone.
func (s *Service) OverrideGrade(ctx context.Context, id int64, grade Grade, reason string) (Talent, error) {
	if _, _, err := stepCaller(ctx, stepOverride, reason, "reason"); err != nil {
		return Talent{}, err
	}
	if f := vocabField("body.grade", GradeVocab, string(grade)); f != nil {
		return Talent{}, errs.Fields(*f)
	}
	return s.move(ctx, id, stepOverride, stepInput{reason: reason, grade: grade})
}

// stepCaller returns the principal and scope of a caller who may take st, refusing a missing
// reason where st needs one (field is the body member it travels in).
func stepCaller(ctx context.Context, st step, reason, field string) (auth.Principal, auth.Scope, error) {
	roles := editorRoles
	if st.officeOnly {
		roles = officeRoles
	}
	p, scope, err := editorScope(ctx, roles...)
	if err != nil {
		return auth.Principal{}, auth.Scope{}, err
	}
	if st.needsReason && strings.TrimSpace(reason) == "" {
		return auth.Principal{}, auth.Scope{}, errReasonRequired(field)
	}
	return p, scope, nil
}

// move takes one step on one record in a transaction of its own.
func (s *Service) move(ctx context.Context, id int64, st step, in stepInput) (Talent, error) {
	p, scope, err := stepCaller(ctx, st, in.reason, "reason")
	if err != nil {
		return Talent{}, err
	}
	var out Talent
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		out, err = s.moveIn(ctx, tx, p, scope, id, st, in)
		return err
	})
	return out, err
}

// moveIn takes one step on one record inside tx, for a caller stepCaller admitted: the record is
// read and locked in the caller's scope, the step checked against its status, the change written
// with its event, announced to the subscribers and audited.
func (s *Service) moveIn(ctx context.Context, tx *sqlx.Tx, p auth.Principal, scope auth.Scope, id int64, st step, in stepInput) (Talent, error) {
	reason := strings.TrimSpace(in.reason)
	before, err := visibleTalent(ctx, tx, scope, id, true)
	if err != nil {
		return Talent{}, err
	}
	if !slices.Contains(st.from, before.Status) {
		return Talent{}, errTransition(st.action, before.Status)
	}
	tr := transition{to: st.to}
	comment := reason
	empty := ""
	switch st.action {
	case stepSubmit.action:
		if a := s.assessNow(ctx, tx, before); a.err != nil {
			return Talent{}, a.err
		} else if !a.Eligible {
			return Talent{}, errNotEligible(a.Assessment)
		}
		tr.submitted = true
	case stepApprove.action:
		if tr.gradeDecision, err = s.decide(ctx, tx, p, before, "", ""); err != nil {
			return Talent{}, err
		}
		tr.registered, tr.comment = true, &empty
	case stepReturn.action, stepReject.action:
		tr.comment = &reason
	case stepLeave.action:
		tr.left = true
	case stepReregister.action:
		if in.enterprise != nil {
			if _, err := getEnterprise(ctx, tx, *in.enterprise); err != nil {
				return Talent{}, errUnknownEnterprise
			}
			tr.enterpriseID = &in.enterprise
		}
		tr.clearGrade, tr.comment = true, &empty
	case stepOverride.action:
		if tr.gradeDecision, err = s.decide(ctx, tx, p, before, in.grade, reason); err != nil {
			return Talent{}, err
		}
		comment = "grade " + string(in.grade) + ": " + reason
	}
	out, err := applyTransition(ctx, tx, before, tr)
	if err != nil {
		return Talent{}, err
	}
	if err := insertEventRow(ctx, tx, p, id, st.action, &before.Status, st.to, comment); err != nil {
		return Talent{}, err
	}
	if d := tr.gradeDecision; d != nil {
		var old Grade
		if before.Grade != nil {
			old = *before.Grade
		}
		if err := s.gradeChanged(ctx, tx, id, old, d.Grade); err != nil {
			return Talent{}, err
		}
	}
	if st.action == stepLeave.action {
		if err := s.left(ctx, tx, id); err != nil {
			return Talent{}, err
		}
	}
	return out, audit.Write(ctx, tx, audit.Entry{Action: "talent." + strings.ReplaceAll(st.action, "-", "_"),
		EntityType: "talent", EntityID: talentEntity(id), Before: auditView(before), After: auditView(out)})
}
