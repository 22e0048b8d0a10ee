package talent

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"

	"talentd/internal/civil"
	"talentd/internal/errs"
)

// Status is where a talent record is in the review workflow:
// draft → submitted → registered | returned | rejected; returned → submitted; registered → left;
// left or rejected → draft again when the office re-registers the person.
type Status string

// The statuses of a talent record.
const (
	StatusDraft      Status = "draft"
	StatusSubmitted  Status = "submitted"
	StatusReturned   Status = "returned"
	StatusRegistered Status = "registered"
	StatusRejected   Status = "rejected"
	StatusLeft       Status = "left"
)

// Grade is a talent category, A highest.
type Grade string

// The grades.
const (
	GradeA Grade = "A"
	GradeB Grade = "B"
	GradeC Grade = "C"
	GradeD Grade = "D"
)

// Grades lists the grades from highest to lowest.
var Grades = []Grade{GradeA, GradeB, GradeC, GradeD}

// rank orders grades: a higher rank is a better grade; 0 is no grade.
func (g Grade) rank() int {
	switch g {
	case GradeA:
		return 4
	case GradeB:
		return 3
	case GradeC:
		return 2
	case GradeD:
		return 1
	}
	return 0
}

// Honour is one talent programme or title a person holds.
type Honour struct {
	Code  string `json:"code" db:"code" enum:"academician,national_award,national_programme,municipal_programme,district_talent,district_craftsman,other" doc:"academician 院士, national_award 国家级顶尖奖项, national_programme 国家级人才计划, municipal_programme 重庆英才计划等市级计划, district_talent 璧山英才, district_craftsman 璧山工匠, other 其他"`
	Level string `json:"level,omitempty" maxLength:"50" doc:"e.g. 国家级, 一等奖"`
	Year  int    `json:"year,omitempty" minimum:"1950" maximum:"2100"`
}

// HonourList is a record's honours, stored as a jsonb array.
type HonourList []Honour

// Scan reads the jsonb column.
func (h *HonourList) Scan(src any) error { return scanJSON(src, h) }

// Value writes the jsonb column ([] rather than null when empty).
func (h HonourList) Value() (driver.Value, error) {
	if h == nil {
		return "[]", nil
	}
	b, err := json.Marshal([]Honour(h))
	return string(b), err
}

// codes lists the honour codes, for the indexed honour_codes column.
func (h HonourList) codes() pq.StringArray {
	out := make(pq.StringArray, len(h))
	for i, x := range h {
		out[i] = x.Code
	}
	return out
}

func scanJSON(src, dst any) error {
	switch v := src.(type) {
	case []byte:
		return json.Unmarshal(v, dst)
	case string:
		return json.Unmarshal([]byte(v), dst)
	case nil:
		return nil
	}
	return fmt.Errorf("cannot scan %T as JSON", src)
}

// TalentInput is what registering or editing a talent record takes.
type TalentInput struct {
	Name            string     `json:"name" validate:"required,max=50"`
	Gender          string     `json:"gender" validate:"oneof=male female"`
	BirthDate       civil.Date `json:"birth_date"`
	IDNumber        string     `json:"id_number" validate:"cn_id_number"`
	Mobile          string     `json:"mobile" validate:"omitempty,cn_mobile"`
	Email           string     `json:"email" validate:"omitempty,email,max=100"`
	EnterpriseID    *int64     `json:"enterprise_id"`
	Position        string     `json:"position" validate:"max=100"`
	Education       string     `json:"education" validate:"oneof=doctorate master bachelor associate other"`
	School          string     `json:"school" validate:"max=100"`
	Major           string     `json:"major" validate:"max=100"`
	GraduationYear  int        `json:"graduation_year" validate:"omitempty,min=1940,max=2100"`
	Title           string     `json:"title" validate:"oneof=senior_full senior_associate intermediate junior none"`
	SkillLevel      string     `json:"skill_level" validate:"oneof=senior_technician technician senior_worker none"`
	Honours         []Honour   `json:"honours" validate:"max=20,dive"`
	AnnualSalaryFen int64      `json:"annual_salary_fen" validate:"min=0,max=100000000000"`
	Field           string     `json:"field" validate:"max=100"`
	ArrivedOn       civil.Date `json:"arrived_on"`
	Notes           string     `json:"notes" validate:"max=2000"`
}

// Talent is a talent record as stored (the identity number only in protected form).
type Talent struct {
	ID              int64          `db:"id"`
	EnterpriseID    *int64         `db:"enterprise_id"`
	Status          Status         `db:"status"`
	Name            string         `db:"name"`
	Gender          string         `db:"gender"`
	BirthDate       civil.Date     `db:"birth_date"`
	IDNumberCipher  []byte         `db:"id_number_cipher"`
	IDNumberMasked  string         `db:"id_number_masked"`
	Mobile          string         `db:"mobile"`
	Email           string         `db:"email"`
	Position        string         `db:"position"`
	Education       string         `db:"education"`
	School          string         `db:"school"`
	Major           string         `db:"major"`
	GraduationYear  *int           `db:"graduation_year"`
	Title           string         `db:"title"`
	SkillLevel      string         `db:"skill_level"`
	Honours         HonourList     `db:"honours"`
	AnnualSalaryFen int64          `db:"annual_salary_fen"`
	Field           string         `db:"field"`
	ArrivedOn       civil.Date     `db:"arrived_on"`
	Notes           string         `db:"notes"`
	Grade           *Grade         `db:"grade"`
	GradeRules      pq.StringArray `db:"grade_rules"`
	GradeOverridden bool           `db:"grade_overridden"`
	GradeDecisionID *int64         `db:"grade_decision_id"`
	ReviewComment   string         `db:"review_comment"`
	SubmittedAt     *time.Time     `db:"submitted_at"`
	RegisteredAt    *time.Time     `db:"registered_at"`
	LeftAt          *time.Time     `db:"left_at"`
	Version         int            `db:"version"`
	CreatedAt       time.Time      `db:"created_at"`
	UpdatedAt       time.Time      `db:"updated_at"`
}

// attributes are the facts a grade is computed from.
func (t *Talent) attributes() Attributes {
	return Attributes{Education: t.Education, Title: t.Title, SkillLevel: t.SkillLevel, Honours: t.Honours.codes(),
		AnnualSalaryFen: t.AnnualSalaryFen, BirthDate: t.BirthDate}
}

// Event is one step of a record's review history.
type Event struct {
	ID            int64     `db:"id" json:"id"`
	Action        string    `db:"action" json:"action"`
	FromStatus    *string   `db:"from_status" json:"from_status,omitempty"`
	ToStatus      string    `db:"to_status" json:"to_status"`
	Comment       string    `db:"comment" json:"comment,omitempty"`
	ActorUsername string    `db:"actor_username" json:"actor"`
	At            time.Time `db:"at" json:"at"`
}

// Decision is one grade decision, with the policy version and the attributes it was computed from.
type Decision struct {
	ID         int64          `db:"id" json:"id"`
	PolicyID   int64          `db:"policy_id" json:"policy_id"`
	Version    int            `db:"policy_version" json:"policy_version"`
	Grade      Grade          `db:"grade" json:"grade"`
	Rules      pq.StringArray `db:"rules" json:"rules"`
	Attributes Attributes     `db:"attributes" json:"attributes"`
	Overridden bool           `db:"overridden" json:"overridden"`
	Reason     string         `db:"reason" json:"reason,omitempty"`
	DecidedBy  string         `db:"decided_by" json:"decided_by"`
	DecidedAt  time.Time      `db:"decided_at" json:"decided_at"`
}

// Errors of the talent record operations.
var (
	ErrTalentNotFound = errs.Untranslated(errs.NotFound, "talent record not found")
	ErrNotEditable    = errs.Untranslated(errs.Conflict, "only a draft or returned record can be edited by HR")
)

// errDuplicate says that the person is in the registry already, naming only the record's status:
// HR must not learn which enterprise registered them.
func errDuplicate(status Status) *errs.Error {
	return errs.Untranslatedf(errs.Conflict, "this person (identity number) is already in the registry, with status %q; "+
		"ask the talent office if they should be re-registered", status)
}

// errTransition refuses a workflow step from the wrong status.
func errTransition(action string, from Status) error {
	return errs.Untranslatedf(errs.Conflict, "cannot %s a record whose status is %q", action, from)
}

// errIDSearchNotAllowed refuses a search by whole identity number to a role that reads numbers masked.
var errIDSearchNotAllowed = errs.UntranslatedFields("searching by identity number is for the talent office",
	errs.FieldError{Location: "query.q", Message: "search by name; your role does not look people up by identity number"})

// errUnknownEnterprise is returned for an enterprise_id that does not exist (or, for HR, is not theirs).
var errUnknownEnterprise = errs.UntranslatedFields("unknown enterprise", errs.FieldError{Location: "body.enterprise_id", Message: "no such enterprise"})

// errNotOwnEnterprise is returned when HR names an enterprise other than their own.
var errNotOwnEnterprise = errs.UntranslatedFields("HR registers talent of their own enterprise only", errs.FieldError{
	Location: "body.enterprise_id", Message: "must be empty or your own enterprise"})

// nameGrams lists the distinct single characters and character pairs of a name (lower-cased),
// which the name_grams column indexes for substring search.
func nameGrams(name string) pq.StringArray {
	r := []rune(strings.ToLower(name))
	seen := map[string]bool{}
	out := pq.StringArray{}
	add := func(g string) {
		if !seen[g] && strings.TrimSpace(g) != "" {
			seen[g] = true
			out = append(out, g)
		}
	}
	for i := range r {
		add(string(r[i]))
		if i+1 < len(r) {
			add(string(r[i : i+2]))
		}
	}
	return out
}

// queryGrams are the grams every name containing q has: q itself when it is one character,
// otherwise its character pairs.
func queryGrams(q string) pq.StringArray {
	r := []rune(strings.ToLower(q))
	if len(r) == 1 {
		return pq.StringArray{string(r)}
	}
	out := pq.StringArray{}
	for i := 0; i+1 < len(r); i++ {
		out = append(out, string(r[i:i+2]))
	}
	return out
}
