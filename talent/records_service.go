package talent

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/govid"
	"talentd/internal/postgres"
)

// idPurpose binds identity-number ciphertexts and blind indexes to their column.
const idPurpose = IDNumberPurpose

// IDNumberPurpose is what identity numbers are sealed and indexed with, in the registry and in every
// slice that stores them through SealIDNumber: re-encrypting those columns needs it.
const IDNumberPurpose = "talent.id_number"

// seal protects an identity number for storage.
func (s *Service) seal(idNumber string) sealedID {
	return sealedID{cipher: s.ring.Seal(idNumber, idPurpose), hash: s.ring.Index(idNumber, idPurpose),
		masked: govid.MaskIDNumber(idNumber)}
}

// IDNumberIndex returns the blind index of an identity number, for exact lookups.
func (s *Service) IDNumberIndex(idNumber string) []byte { return s.ring.Index(idNumber, idPurpose) }

// prepare normalises and validates a talent input for the caller: HR is confined to its own
// enterprise; birth date and gender default to, and must agree with, the identity number; the
// enumerated fields must be codes of the registry's vocabularies.
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
	var fields []errs.FieldError
	if err := s.validate.Struct(*in, "body"); err != nil {
		var e *errs.Error
		if !errors.As(err, &e) || len(e.Fields) == 0 {
			return err
		}
		fields = append(fields, e.Fields...)
	}
	for _, f := range []*errs.FieldError{vocabField("body.gender", GenderVocab, in.Gender),
		vocabField("body.education", EducationVocab, in.Education), vocabField("body.title", TitleVocab, in.Title),
		vocabField("body.skill_level", SkillLevelVocab, in.SkillLevel)} {
		if f != nil {
			fields = append(fields, *f)
		}
	}
	for i, h := range in.Honours {
		if f := vocabField("body.honours["+strconv.Itoa(i)+"].code", HonourVocab, h.Code); f != nil {
			fields = append(fields, *f)
		}
	}
	if idErr == nil {
		if in.BirthDate != civil.Of(id.BirthDate) {
			fields = append(fields, errs.Field("body.birth_date", "birth_date_mismatch", "出生日期与身份证号中的出生日期不一致",
				"does not agree with the birth date in the identity number", in.BirthDate.String()))
		}
		if in.Gender != id.Gender && GenderVocab.Has(in.Gender) {
			fields = append(fields, errs.Field("body.gender", "gender_mismatch", "性别与身份证号不一致",
				"does not agree with the gender in the identity number", in.Gender))
		}
	}
	today := civil.DistrictToday()
	if !in.ArrivedOn.IsZero() && in.ArrivedOn.After(today) {
		fields = append(fields, errs.Field("body.arrived_on", "arrived_on_future", "来璧时间不能晚于今天",
			"must not be in the future", in.ArrivedOn.String()))
	}
	if in.GraduationYear != 0 && in.GraduationYear > today.Time().Year()+1 {
		fields = append(fields, errs.Field("body.graduation_year", "graduation_year_future", "毕业年份不能晚于明年",
			"too far in the future", in.GraduationYear))
	}
	if len(fields) > 0 {
		return errs.Fields(fields...)
	}
	return nil
}

// contains reports whether v is in list (the import's label parsing asks it).
func contains(list []string, v string) bool { return slices.Contains(list, v) }

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
			return nil, errNotEligible(a)
		}
		d.Grade, d.Rules = a.Grade, a.Rules
	}
	if err := insertDecisionRow(ctx, tx, p, t.ID, d); err != nil {
		return nil, err
	}
	return d, nil
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

// auditRecord is what the audit log keeps of a talent record: every field a change can touch,
// so that before and after show what changed — but no identity number except its masked form,
// never the ciphertext, and no birth date, which with the masked number would give the number back.
type auditRecord struct {
	ID              int64      `json:"id"`
	EnterpriseID    *int64     `json:"enterprise_id"`
	Status          Status     `json:"status"`
	Name            string     `json:"name"`
	Gender          string     `json:"gender"`
	IDNumber        string     `json:"id_number"`
	Mobile          string     `json:"mobile,omitempty"`
	Email           string     `json:"email,omitempty"`
	Position        string     `json:"position,omitempty"`
	Education       string     `json:"education"`
	School          string     `json:"school,omitempty"`
	Major           string     `json:"major,omitempty"`
	GraduationYear  *int       `json:"graduation_year,omitempty"`
	Title           string     `json:"title"`
	SkillLevel      string     `json:"skill_level"`
	Honours         HonourList `json:"honours"`
	AnnualSalaryFen int64      `json:"annual_salary_fen"`
	Field           string     `json:"field,omitempty"`
	ArrivedOn       string     `json:"arrived_on,omitempty"`
	Notes           string     `json:"notes,omitempty"`
	Grade           *Grade     `json:"grade"`
	GradeRules      []string   `json:"grade_rules"`
	GradeOverridden bool       `json:"grade_overridden"`
	ReviewComment   string     `json:"review_comment,omitempty"`
	Version         int        `json:"version"`
}

func auditView(t Talent) auditRecord {
	return auditRecord{ID: t.ID, EnterpriseID: t.EnterpriseID, Status: t.Status, Name: t.Name, Gender: t.Gender,
		IDNumber: t.IDNumberMasked, Mobile: t.Mobile, Email: t.Email, Position: t.Position, Education: t.Education,
		School: t.School, Major: t.Major, GraduationYear: t.GraduationYear, Title: t.Title, SkillLevel: t.SkillLevel,
		Honours: t.Honours, AnnualSalaryFen: t.AnnualSalaryFen, Field: t.Field, ArrivedOn: t.ArrivedOn.String(),
		Notes: t.Notes, Grade: t.Grade, GradeRules: t.GradeRules, GradeOverridden: t.GradeOverridden,
		ReviewComment: t.ReviewComment, Version: t.Version}
}

// SealedIDNumber is an identity number as talentd stores it: ciphertext, blind index and masked
// form. Other slices that keep identity numbers (housing applicants) store these three so that one
// person is one blind index everywhere.
type SealedIDNumber struct {
	Cipher []byte
	Hash   []byte
	Masked string
}

// SealIDNumber validates and seals an identity number the way the registry stores its own.
func (s *Service) SealIDNumber(idNumber string) (SealedIDNumber, error) {
	n, err := govid.NormalizeIDNumber(strings.TrimSpace(idNumber))
	if err != nil {
		return SealedIDNumber{}, err
	}
	sid := s.seal(n)
	return SealedIDNumber{Cipher: sid.cipher, Hash: sid.hash, Masked: sid.masked}, nil
}
