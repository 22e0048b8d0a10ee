package talent

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"slices"
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

// Honour is one talent programme or title a person holds, as stored and as the service takes it
// (HonourItem is its API form); Code is one of HonourVocab's.
type Honour struct {
	Code  string `json:"code"`
	Level string `json:"level,omitempty" validate:"max=50"`
	Year  int    `json:"year,omitempty" validate:"omitempty,min=1950,max=2100"`
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

// TalentInput is what registering or editing a talent record takes. The enumerated fields hold
// codes of the registry's vocabularies (checked against them by the service). In an update, an
// identity number left empty or given masked (with "*") keeps the stored one.
type TalentInput struct {
	Name            string     `json:"name" validate:"required,max=50"`
	Gender          string     `json:"gender"`
	BirthDate       civil.Date `json:"birth_date"`
	IDNumber        string     `json:"id_number" validate:"cn_id_number"`
	Mobile          string     `json:"mobile" validate:"omitempty,cn_mobile"`
	Email           string     `json:"email" validate:"omitempty,email,max=100"`
	EnterpriseID    *int64     `json:"enterprise_id"`
	Position        string     `json:"position" validate:"max=100"`
	Education       string     `json:"education"`
	School          string     `json:"school" validate:"max=100"`
	Major           string     `json:"major" validate:"max=100"`
	GraduationYear  int        `json:"graduation_year" validate:"omitempty,min=1940,max=2100"`
	Title           string     `json:"title"`
	SkillLevel      string     `json:"skill_level"`
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

// input is the record's editable fields as an input, its identity number left empty (kept).
func (t *Talent) input() TalentInput {
	in := TalentInput{Name: t.Name, Gender: t.Gender, BirthDate: t.BirthDate, Mobile: t.Mobile, Email: t.Email,
		EnterpriseID: t.EnterpriseID, Position: t.Position, Education: t.Education, School: t.School, Major: t.Major,
		Title: t.Title, SkillLevel: t.SkillLevel, Honours: slices.Clone([]Honour(t.Honours)),
		AnnualSalaryFen: t.AnnualSalaryFen, Field: t.Field, ArrivedOn: t.ArrivedOn, Notes: t.Notes}
	if t.GraduationYear != nil {
		in.GraduationYear = *t.GraduationYear
	}
	return in
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
	FromStatus    *Status   `db:"from_status" json:"from_status,omitempty"`
	ToStatus      Status    `db:"to_status" json:"to_status"`
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
	ErrTalentNotFound = errs.New(errs.NotFound, "talent_not_found", "找不到该人才记录", "talent record not found")
	ErrNotEditable    = errs.New(errs.Conflict, "talent_not_editable", "只有草稿或被退回的记录可以修改",
		"only a draft or returned record can be edited by HR")
)

// errDuplicate says that the person is in the registry already, naming only the record's status:
// HR must not learn which enterprise registered them.
func errDuplicate(status Status) *errs.Error {
	return errs.New(errs.Conflict, "talent_duplicate",
		fmt.Sprintf("此人（身份证号）已在人才库中，记录状态为“%s”；如需重新登记，请联系区人才办", StatusVocab.Label(string(status), "zh")),
		fmt.Sprintf("this person (identity number) is already in the registry, with status %q; "+
			"ask the talent office if they should be re-registered", status))
}

// stepNames are the workflow steps as the refusal of a step names them.
var stepNames = map[string][2]string{
	"submit": {"提交审核", "submit"}, "approve": {"审核通过", "approve"}, "return": {"退回修改", "return"},
	"reject": {"不予通过", "reject"}, "leave": {"标记离开", "leave"}, "re-register": {"重新登记", "re-register"},
	"override_grade": {"调整人才类别", "override the grade of"},
}

// errTransition refuses a workflow step from the wrong status.
func errTransition(action string, from Status) error {
	name := stepNames[action]
	return errs.New(errs.Conflict, "talent_wrong_status",
		fmt.Sprintf("该记录当前为“%s”状态，不能%s", StatusVocab.Label(string(from), "zh"), name[0]),
		fmt.Sprintf("cannot %s a record whose status is %q", name[1], from))
}

// errNotEligible refuses to submit or approve a record that no rule of the policy in force grades.
func errNotEligible(a Assessment) error {
	return errs.New(errs.Invalid, "talent_not_eligible", "不符合入库条件："+a.explain("zh"), "not eligible: "+a.explain("en"))
}

// errIDSearchNotAllowed refuses a search by whole identity number to a role that reads numbers masked.
var errIDSearchNotAllowed = errs.Fields(errs.Field("query.q", "id_search_not_allowed",
	"请按姓名查询：您的角色不能按身份证号查找人员", "search by name; your role does not look people up by identity number", nil))

// errUnknownEnterprise is returned for an enterprise_id that does not exist (or, for HR, is not theirs).
var errUnknownEnterprise = errs.Fields(errs.Field("body.enterprise_id", "enterprise_unknown",
	"所在企业不存在", "no such enterprise", nil))

// errNotOwnEnterprise is returned when HR names an enterprise other than their own.
var errNotOwnEnterprise = errs.Fields(errs.Field("body.enterprise_id", "enterprise_not_own",
	"只能登记本企业的人才：所在企业请留空或填写本企业", "must be empty or your own enterprise", nil))

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
