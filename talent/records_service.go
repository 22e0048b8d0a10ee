package talent

import (
	"context"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/etag"
	"talentd/internal/govid"
	"talentd/internal/postgres"
)

// idPurpose binds identity-number ciphertexts and blind indexes to their column.
const idPurpose = "talent.id_number"

// Hooks let the slices that build on the registry act on its changes inside the same transaction;
// cmd/talentd wires them at start (the registry imports none of those slices).
type Hooks struct {
	// GradeChanged runs when a registered talent's grade is set or changes (registration, policy
	// publication, override); old is "" on registration.
	GradeChanged func(ctx context.Context, tx sqlx.ExtContext, talentID int64, old, new Grade) error
	// Left runs when a registered talent leaves the registry.
	Left func(ctx context.Context, tx sqlx.ExtContext, talentID int64) error
}

// SetHooks installs the hooks; call it once at start, before serving.
func (s *Service) SetHooks(h Hooks) { s.hooks = h }

func (s *Service) gradeChanged(ctx context.Context, tx sqlx.ExtContext, id int64, old, new Grade) error {
	if s.hooks.GradeChanged == nil || old == new {
		return nil
	}
	return s.hooks.GradeChanged(ctx, tx, id, old, new)
}

// seal protects an identity number for storage.
func (s *Service) seal(idNumber string) sealedID {
	return sealedID{cipher: s.ring.Seal(idNumber, idPurpose), hash: s.ring.Index(idNumber, idPurpose),
		masked: govid.MaskIDNumber(idNumber)}
}

// IDNumberIndex returns the blind index of an identity number, for exact lookups.
func (s *Service) IDNumberIndex(idNumber string) []byte { return s.ring.Index(idNumber, idPurpose) }

// prepare normalises and validates a talent input for the caller: HR is confined to its own
// enterprise; birth date and gender default to, and must agree with, the identity number.
func (s *Service) prepare(scope auth.Scope, in *TalentInput) error {
	in.Name = strings.TrimSpace(in.Name)
	in.IDNumber = strings.ToUpper(strings.TrimSpace(in.IDNumber))
	in.Mobile = strings.TrimSpace(in.Mobile)
	in.Email = strings.TrimSpace(in.Email)
	for _, f := range []*string{&in.Position, &in.School, &in.Major, &in.Field, &in.Notes} {
		*f = strings.TrimSpace(*f)
	}
	if in.Title == "" {
		in.Title = "none"
	}
	if in.SkillLevel == "" {
		in.SkillLevel = "none"
	}
	if in.Honours == nil {
		in.Honours = []Honour{}
	}
	if !scope.All() {
		if scope.Reach() != auth.ReachEnterprise {
			return auth.ErrForbidden
		}
		own := scope.EnterpriseID()
		if in.EnterpriseID != nil && *in.EnterpriseID != own {
			return errNotOwnEnterprise
		}
		in.EnterpriseID = &own
	}
	id, idErr := govid.ParseIDNumber(in.IDNumber)
	if idErr == nil {
		if in.BirthDate.IsZero() {
			in.BirthDate = civil.Of(id.BirthDate)
		}
		if in.Gender == "" {
			in.Gender = id.Gender
		}
	}
	if err := s.validate.Struct(*in, "body"); err != nil {
		return err
	}
	var fields []errs.FieldError
	if idErr == nil {
		if in.BirthDate != civil.Of(id.BirthDate) {
			fields = append(fields, errs.FieldError{Location: "body.birth_date", Value: in.BirthDate.String(),
				Message: "does not agree with the birth date in the identity number"})
		}
		if in.Gender != id.Gender {
			fields = append(fields, errs.FieldError{Location: "body.gender", Value: in.Gender,
				Message: "does not agree with the gender in the identity number"})
		}
	}
	today := civil.DistrictToday()
	if !in.ArrivedOn.IsZero() && in.ArrivedOn.After(today) {
		fields = append(fields, errs.FieldError{Location: "body.arrived_on", Value: in.ArrivedOn.String(), Message: "must not be in the future"})
	}
	if in.GraduationYear != 0 && in.GraduationYear > today.Time().Year()+1 {
		fields = append(fields, errs.FieldError{Location: "body.graduation_year", Value: in.GraduationYear, Message: "too far in the future"})
	}
	for i, h := range in.Honours {
		if !contains(HonourVocab.Codes(), h.Code) {
			fields = append(fields, errs.FieldError{Location: "body.honours[" + strconv.Itoa(i) + "].code", Value: h.Code, Message: "unknown honour code"})
		}
	}
	if len(fields) > 0 {
		return errs.UntranslatedFields("validation failed", fields...)
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// visibleTalent reads a talent in the caller's scope; anything else is ErrTalentNotFound, so that
// HR cannot even learn that another enterprise's id exists.
func visibleTalent(ctx context.Context, q sqlx.QueryerContext, scope auth.Scope, id int64, forUpdate bool) (Talent, error) {
	if scope.None() {
		return Talent{}, ErrTalentNotFound
	}
	t, err := getTalent(ctx, q, id, forUpdate)
	if err != nil {
		return Talent{}, err
	}
	if !scope.SeesEnterprise(t.EnterpriseID) {
		return Talent{}, ErrTalentNotFound
	}
	return t, nil
}

// editorScope returns the principal and scope of a caller who may change records: an editor
// role, reaching the records it changes.
func editorScope(ctx context.Context, roles ...auth.Role) (auth.Principal, auth.Scope, error) {
	p, err := auth.Require(ctx, roles...)
	if err != nil {
		return auth.Principal{}, auth.Scope{}, err
	}
	return p, talentReaches.ScopeOf(p), nil
}

func talentEntity(id int64) string { return strconv.FormatInt(id, 10) }

// CreateTalent registers a new draft record. A person already in the registry is refused with a
// conflict naming only the existing record's status.
func (s *Service) CreateTalent(ctx context.Context, in TalentInput) (Talent, error) {
	p, scope, err := editorScope(ctx, editorRoles...)
	if err != nil {
		return Talent{}, err
	}
	if err := s.prepare(scope, &in); err != nil {
		return Talent{}, err
	}
	sid := s.seal(in.IDNumber)
	var out Talent
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		t, inserted, err := insertTalentRow(ctx, tx, in, sid)
		if err != nil {
			return err
		}
		if !inserted {
			st, err := statusByHash(ctx, tx, sid.hash)
			if err != nil {
				return err
			}
			return errDuplicate(st)
		}
		out = t
		if err := insertEventRow(ctx, tx, p, t.ID, "create", nil, StatusDraft, ""); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "talent.create", EntityType: "talent",
			EntityID: talentEntity(t.ID), After: auditView(t)})
	})
	return out, err
}

// GetTalent returns a record the caller may see.
func (s *Service) GetTalent(ctx context.Context, id int64) (Talent, error) {
	_, scope, err := talentReaches.Scope(ctx)
	if err != nil {
		return Talent{}, err
	}
	return visibleTalent(ctx, s.db, scope, id, false)
}

// UpdateTalent replaces a record's fields. HR may edit only drafts and returned records of its
// enterprise; the talent office may also correct submitted and registered ones (the grade of a
// registered record stays as decided until it is re-graded). ifVersion, when non-zero, must match.
func (s *Service) UpdateTalent(ctx context.Context, id int64, ifVersion int, in TalentInput) (Talent, error) {
	p, scope, err := editorScope(ctx, editorRoles...)
	if err != nil {
		return Talent{}, err
	}
	if err := s.prepare(scope, &in); err != nil {
		return Talent{}, err
	}
	sid := s.seal(in.IDNumber)
	var out Talent
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := visibleTalent(ctx, tx, scope, id, true)
		if err != nil {
			return err
		}
		if err := etag.Check(ifVersion, before.Version); err != nil {
			return err
		}
		editable := before.Status == StatusDraft || before.Status == StatusReturned
		if !editable && (p.Role == auth.RoleEnterpriseHR || before.Status == StatusRejected || before.Status == StatusLeft) {
			return ErrNotEditable
		}
		// Asked before the update: once a unique violation has aborted the transaction, nothing
		// more can be read in it to say whose number this is.
		if st, err := otherStatusByHash(ctx, tx, sid.hash, id); err == nil {
			return errDuplicate(st)
		} else if !errs.Is(err, errs.NotFound) {
			return err
		}
		if out, err = updateTalentRow(ctx, tx, id, in, sid); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "talent.update", EntityType: "talent",
			EntityID: talentEntity(id), Before: auditView(before), After: auditView(out)})
	})
	return out, err
}

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
)

// Submit sends a draft or returned record for review; it must be eligible under the policy in force.
func (s *Service) Submit(ctx context.Context, id int64) (Talent, error) {
	return s.move(ctx, id, stepSubmit, "", nil)
}

// Approve registers a submitted record: its grade is decided by the policy in force and the
// decision is kept with the policy version and the attributes it was computed from.
func (s *Service) Approve(ctx context.Context, id int64) (Talent, error) {
	return s.move(ctx, id, stepApprove, "", nil)
}

// Return sends a submitted record back to HR for correction, with the office's comments.
func (s *Service) Return(ctx context.Context, id int64, reason string) (Talent, error) {
	return s.move(ctx, id, stepReturn, reason, nil)
}

// Reject refuses a submitted record, with the reason.
func (s *Service) Reject(ctx context.Context, id int64, reason string) (Talent, error) {
	return s.move(ctx, id, stepReject, reason, nil)
}

// Leave records that a registered talent left the district or the employer.
func (s *Service) Leave(ctx context.Context, id int64, reason string) (Talent, error) {
	return s.move(ctx, id, stepLeave, reason, nil)
}

// Reregister reopens a record that left or was rejected as a draft, optionally for another
// enterprise (a person who changed employer), so that it can go through review again.
func (s *Service) Reregister(ctx context.Context, id int64, enterpriseID *int64) (Talent, error) {
	return s.move(ctx, id, stepReregister, "", &enterpriseID)
}

func (s *Service) move(ctx context.Context, id int64, st step, reason string, enterpriseID **int64) (Talent, error) {
	roles := editorRoles
	if st.officeOnly {
		roles = officeRoles
	}
	p, scope, err := editorScope(ctx, roles...)
	if err != nil {
		return Talent{}, err
	}
	reason = strings.TrimSpace(reason)
	if st.needsReason && reason == "" {
		return Talent{}, errs.UntranslatedFields("a reason is required", errs.FieldError{Location: "body.reason", Message: "required"})
	}
	var out Talent
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := visibleTalent(ctx, tx, scope, id, true)
		if err != nil {
			return err
		}
		if !contains(statusStrings(st.from), string(before.Status)) {
			return errTransition(st.action, before.Status)
		}
		tr := transition{to: st.to}
		switch st.action {
		case stepSubmit.action:
			if a := s.assessNow(ctx, tx, before); a.err != nil {
				return a.err
			} else if !a.Eligible {
				return errs.Untranslated(errs.Invalid, "not eligible: "+a.Reason)
			}
			tr.submitted = true
		case stepApprove.action:
			d, err := s.decide(ctx, tx, p, before, "", "")
			if err != nil {
				return err
			}
			tr.registered, tr.gradeDecision = true, d
			empty := ""
			tr.comment = &empty
		case stepReturn.action, stepReject.action:
			tr.comment = &reason
		case stepLeave.action:
			tr.left = true
		case stepReregister.action:
			if *enterpriseID != nil {
				if _, err := getEnterprise(ctx, tx, **enterpriseID); err != nil {
					return errUnknownEnterprise
				}
				tr.enterpriseID = enterpriseID
			}
			tr.clearGrade = true
			empty := ""
			tr.comment = &empty
		}
		if out, err = applyTransition(ctx, tx, before, tr); err != nil {
			return err
		}
		if err := insertEventRow(ctx, tx, p, id, st.action, &before.Status, st.to, reason); err != nil {
			return err
		}
		switch st.action {
		case stepApprove.action:
			if err := s.gradeChanged(ctx, tx, id, "", *out.Grade); err != nil {
				return err
			}
		case stepLeave.action:
			if s.hooks.Left != nil {
				if err := s.hooks.Left(ctx, tx, id); err != nil {
					return err
				}
			}
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "talent." + strings.ReplaceAll(st.action, "-", "_"),
			EntityType: "talent", EntityID: talentEntity(id), Before: auditView(before), After: auditView(out)})
	})
	return out, err
}

func statusStrings(ss []Status) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

// assessment is an Assessment or the error that prevented it.
type assessment struct {
	Assessment
	err error
}

// assessNow grades t under the policy in force, today.
func (s *Service) assessNow(ctx context.Context, q sqlx.QueryerContext, t Talent) assessment {
	pol, err := currentPolicy(ctx, q)
	if err != nil {
		return assessment{err: err}
	}
	return assessment{Assessment: pol.Assess(t.attributes(), civil.DistrictToday())}
}

// Assess returns what the policy in force says of t today (the "why" shown with a record).
func (s *Service) Assess(ctx context.Context, t Talent) (Assessment, error) {
	a := s.assessNow(ctx, s.db, t)
	return a.Assessment, a.err
}

// decide records a grade decision for t: by the policy in force, or (override != "") as the
// office decided, with its reason.
func (s *Service) decide(ctx context.Context, tx sqlx.ExtContext, p auth.Principal, t Talent, override Grade, reason string) (*Decision, error) {
	pol, err := currentPolicy(ctx, tx)
	if err != nil {
		return nil, err
	}
	today := civil.DistrictToday()
	a := pol.Assess(t.attributes(), today)
	attrs := t.attributes()
	attrs.Age = attrs.BirthDate.YearsUntil(today)
	d := &Decision{PolicyID: pol.ID, Version: pol.Version, Attributes: attrs}
	if override != "" {
		d.Grade, d.Rules, d.Overridden, d.Reason = override, []string{}, true, reason
	} else {
		if !a.Eligible {
			return nil, errs.Untranslated(errs.Invalid, "not eligible: "+a.Reason)
		}
		d.Grade, d.Rules = a.Grade, a.Rules
	}
	if err := insertDecisionRow(ctx, tx, p, t.ID, d); err != nil {
		return nil, err
	}
	return d, nil
}

// OverrideGrade sets a registered talent's grade by hand, with a reason; the decision is kept and
// audited, and shown as an override. A later policy publication leaves overridden grades alone.
func (s *Service) OverrideGrade(ctx context.Context, id int64, grade Grade, reason string) (Talent, error) {
	p, scope, err := editorScope(ctx, officeRoles...)
	if err != nil {
		return Talent{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Talent{}, errs.UntranslatedFields("an override needs a reason", errs.FieldError{Location: "body.reason", Message: "required"})
	}
	if grade.rank() == 0 {
		return Talent{}, errs.UntranslatedFields("unknown grade", errs.FieldError{Location: "body.grade", Message: "must be A, B, C or D", Value: grade})
	}
	var out Talent
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := visibleTalent(ctx, tx, scope, id, true)
		if err != nil {
			return err
		}
		if before.Status != StatusRegistered {
			return errTransition("override the grade of", before.Status)
		}
		d, err := s.decide(ctx, tx, p, before, grade, reason)
		if err != nil {
			return err
		}
		if out, err = applyTransition(ctx, tx, before, transition{to: StatusRegistered, gradeDecision: d}); err != nil {
			return err
		}
		if err := insertEventRow(ctx, tx, p, id, "override_grade", &before.Status, StatusRegistered,
			"grade "+string(grade)+": "+reason); err != nil {
			return err
		}
		if err := s.gradeChanged(ctx, tx, id, *before.Grade, grade); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "talent.override_grade", EntityType: "talent",
			EntityID: talentEntity(id), Before: auditView(before), After: auditView(out)})
	})
	return out, err
}

// History is a record's review events and grade decisions.
type History struct {
	Events    []Event    `json:"events"`
	Decisions []Decision `json:"decisions"`
}

// TalentHistory returns the review history of a record the caller may see.
// The decisions' attribute snapshots carry only what the caller's role reads of the record.
func (s *Service) TalentHistory(ctx context.Context, id int64) (History, error) {
	p, scope, err := talentReaches.Scope(ctx)
	if err != nil {
		return History{}, err
	}
	if _, err := visibleTalent(ctx, s.db, scope, id, false); err != nil {
		return History{}, err
	}
	ev, err := listEvents(ctx, s.db, id)
	if err != nil {
		return History{}, err
	}
	ds, err := listDecisions(ctx, s.db, id)
	fields := TalentFieldsOf(p.Role)
	for i := range ds {
		ds[i].Attributes = ds[i].Attributes.visibleTo(fields)
	}
	if !fields.Notes {
		for i := range ev {
			ev[i].Comment = ""
		}
	}
	return History{Events: ev, Decisions: ds}, err
}

// auditRecord is what the audit log keeps of a talent record: no identity number but its masked
// form, never the ciphertext.
type auditRecord struct {
	ID              int64      `json:"id"`
	EnterpriseID    *int64     `json:"enterprise_id"`
	Status          Status     `json:"status"`
	Name            string     `json:"name"`
	IDNumber        string     `json:"id_number"`
	Education       string     `json:"education"`
	Title           string     `json:"title"`
	SkillLevel      string     `json:"skill_level"`
	Honours         HonourList `json:"honours"`
	AnnualSalaryFen int64      `json:"annual_salary_fen"`
	Grade           *Grade     `json:"grade"`
	GradeRules      []string   `json:"grade_rules"`
	GradeOverridden bool       `json:"grade_overridden"`
	ReviewComment   string     `json:"review_comment,omitempty"`
	Mobile          string     `json:"mobile,omitempty"`
	Position        string     `json:"position,omitempty"`
	Version         int        `json:"version"`
}

func auditView(t Talent) auditRecord {
	return auditRecord{ID: t.ID, EnterpriseID: t.EnterpriseID, Status: t.Status, Name: t.Name, IDNumber: t.IDNumberMasked,
		Education: t.Education, Title: t.Title, SkillLevel: t.SkillLevel, Honours: t.Honours,
		AnnualSalaryFen: t.AnnualSalaryFen, Grade: t.Grade, GradeRules: t.GradeRules, GradeOverridden: t.GradeOverridden,
		ReviewComment: t.ReviewComment, Mobile: t.Mobile, Position: t.Position, Version: t.Version}
}
