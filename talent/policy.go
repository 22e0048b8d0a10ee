package talent

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"time"

	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/vocab"
)

// Conditions are what a rule requires; every condition given must hold (AND), and a list is
// satisfied by any of its values (OR). An empty Conditions matches nobody.
type Conditions struct {
	Education    []Education  `json:"education,omitempty" doc:"Any of these education levels"`
	Title        []Title      `json:"title,omitempty" doc:"Any of these professional titles"`
	SkillLevel   []SkillLevel `json:"skill_level,omitempty" doc:"Any of these skill levels"`
	HonoursAny   []HonourCode `json:"honours_any,omitempty" doc:"Holds any of these honour codes"`
	MinSalaryFen *int64       `json:"min_salary_fen,omitempty" doc:"Annual salary at least this many fen"`
	MinAge       *int         `json:"min_age,omitempty" doc:"At least this old on the day of the decision"`
	MaxAge       *int         `json:"max_age,omitempty" doc:"At most this old on the day of the decision"`
}

// Rule grants a grade to whoever meets its conditions.
type Rule struct {
	Code          string     `json:"code" minLength:"1" maxLength:"20" pattern:"^[A-Za-z0-9_.-]+$" doc:"Short code shown as the reason, e.g. B2"`
	Grade         Grade      `json:"grade"`
	DescriptionZH string     `json:"description_zh" minLength:"1" maxLength:"200"`
	DescriptionEN string     `json:"description_en,omitempty" maxLength:"300"`
	When          Conditions `json:"when"`
}

// RuleList is a policy's ordered rules, stored as a jsonb array.
type RuleList []Rule

// Scan reads the jsonb column.
func (r *RuleList) Scan(src any) error { return scanJSON(src, r) }

// Value writes the jsonb column.
func (r RuleList) Value() (driver.Value, error) {
	b, err := json.Marshal([]Rule(r))
	return string(b), err
}

// Policy statuses: one published version is in force; drafts await publication; published
// versions that were superseded are retired.
const (
	PolicyDraft     PolicyStatus = "draft"
	PolicyPublished PolicyStatus = "published"
	PolicyRetired   PolicyStatus = "retired"
)

// Policy is one version of the grading policy.
type Policy struct {
	ID          int64        `db:"id" json:"id"`
	Version     int          `db:"version" json:"version"`
	Status      PolicyStatus `db:"status" json:"status"`
	Title       string       `db:"title" json:"title"`
	Rules       RuleList     `db:"rules" json:"rules"`
	CreatedBy   string       `db:"created_by" json:"created_by"`
	CreatedAt   time.Time    `db:"created_at" json:"created_at"`
	UpdatedAt   time.Time    `db:"updated_at" json:"updated_at"`
	PublishedBy *string      `db:"published_by" json:"published_by,omitempty"`
	PublishedAt *time.Time   `db:"published_at" json:"published_at,omitempty"`
}

// Attributes are the facts a grade is computed from; a decision keeps a snapshot of them.
type Attributes struct {
	Education       string     `json:"education"`
	Title           string     `json:"title"`
	SkillLevel      string     `json:"skill_level"`
	Honours         []string   `json:"honours"`
	AnnualSalaryFen int64      `json:"annual_salary_fen,omitempty"`
	BirthDate       civil.Date `json:"birth_date"`
	Age             int        `json:"age" doc:"Age on the day of the decision"`
}

// visibleTo keeps what a role that reads fields may see of the snapshot: the birth date and the
// salary are left out for the roles that do not read them (the age stays).
func (a Attributes) visibleTo(fields TalentFields) Attributes {
	if !fields.BirthDate {
		a.BirthDate = civil.Date{}
	}
	if !fields.Salary {
		a.AnnualSalaryFen = 0
	}
	return a
}

// Scan reads a decision's jsonb snapshot.
func (a *Attributes) Scan(src any) error { return scanJSON(src, a) }

// Value writes the snapshot as jsonb.
func (a Attributes) Value() (driver.Value, error) {
	b, err := json.Marshal(a)
	return string(b), err
}

// Assessment is what a policy says of a set of attributes: the grade and why.
type Assessment struct {
	Eligible      bool     `json:"eligible"`
	Grade         Grade    `json:"grade,omitempty"`
	Rules         []string `json:"rules" doc:"Codes of the rules that give the grade"`
	Matched       []string `json:"matched" doc:"Codes of every rule that matched, any grade"`
	Reason        string   `json:"reason" doc:"Why, in words (in the reader's language)"`
	PolicyVersion int      `json:"policy_version"`
}

// Assess grades a on the given day: the highest grade of any rule fully matched, with every rule
// of that grade that matched.
func (p *Policy) Assess(a Attributes, on civil.Date) Assessment {
	a.Age = a.BirthDate.YearsUntil(on)
	out := Assessment{PolicyVersion: p.Version, Rules: []string{}, Matched: []string{}}
	best := 0
	for _, r := range p.Rules {
		if !r.When.match(a) {
			continue
		}
		out.Matched = append(out.Matched, r.Code)
		switch rank := r.Grade.rank(); {
		case rank > best:
			best, out.Grade, out.Rules = rank, r.Grade, []string{r.Code}
		case rank == best:
			out.Rules = append(out.Rules, r.Code)
		}
	}
	out.Eligible = best > 0
	out.Reason = out.explain("en")
	return out
}

// explain says why the assessment came out as it did, in lang ("zh" or "en").
func (a Assessment) explain(lang string) string {
	switch {
	case !a.Eligible && lang == "en":
		return fmt.Sprintf("matches no rule of grading policy version %d: not eligible for registration", a.PolicyVersion)
	case !a.Eligible:
		return fmt.Sprintf("不符合第%d版人才分类认定标准的任何一条规则，不能入库", a.PolicyVersion)
	case lang == "en":
		return fmt.Sprintf("grade %s by rule %s of policy version %d", a.Grade, joinCodes(a.Rules), a.PolicyVersion)
	}
	return fmt.Sprintf("依据第%d版人才分类认定标准第 %s 条规则，认定为%s", a.PolicyVersion, joinCodes(a.Rules),
		GradeVocab.Label(string(a.Grade), "zh"))
}

// localized is the assessment with its reason in lang.
func (a Assessment) localized(lang string) Assessment {
	a.Reason = a.explain(lang)
	return a
}

func joinCodes(codes []string) string {
	s := ""
	for i, c := range codes {
		if i > 0 {
			s += ", "
		}
		s += c
	}
	return s
}

func (c Conditions) empty() bool {
	return len(c.Education) == 0 && len(c.Title) == 0 && len(c.SkillLevel) == 0 && len(c.HonoursAny) == 0 &&
		c.MinSalaryFen == nil && c.MinAge == nil && c.MaxAge == nil
}

func (c Conditions) match(a Attributes) bool {
	if c.empty() {
		return false
	}
	if len(c.Education) > 0 && !slices.Contains(c.Education, Education(a.Education)) {
		return false
	}
	if len(c.Title) > 0 && !slices.Contains(c.Title, Title(a.Title)) {
		return false
	}
	if len(c.SkillLevel) > 0 && !slices.Contains(c.SkillLevel, SkillLevel(a.SkillLevel)) {
		return false
	}
	if len(c.HonoursAny) > 0 && !slices.ContainsFunc(a.Honours, func(h string) bool { return slices.Contains(c.HonoursAny, HonourCode(h)) }) {
		return false
	}
	if c.MinSalaryFen != nil && a.AnnualSalaryFen < *c.MinSalaryFen {
		return false
	}
	if c.MinAge != nil && a.Age < *c.MinAge {
		return false
	}
	if c.MaxAge != nil && a.Age > *c.MaxAge {
		return false
	}
	return true
}

var ruleCode = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,20}$`)

// validateRules checks a draft's rules: unique codes, known values, and every rule must test
// something (at least one rule per grade is not required).
func validateRules(rules []Rule) error {
	var fields []errs.FieldError
	bad := func(i int, field, code, zh, en string, v any) {
		fields = append(fields, errs.Field(fmt.Sprintf("body.rules[%d].%s", i, field), code,
			fmt.Sprintf("第%d条规则：%s", i+1, zh), en, v))
	}
	if len(rules) == 0 {
		return errs.Fields(errs.Field("body.rules", "rules_empty", "认定标准至少需要一条规则", "a policy needs at least one rule", nil))
	}
	seen := map[string]bool{}
	for i, r := range rules {
		if !ruleCode.MatchString(r.Code) {
			bad(i, "code", "rule_code_invalid", "规则编号须为1到20个字母、数字或“.”“_”“-”",
				"1 to 20 letters, digits, '.', '_' or '-'", r.Code)
		} else if seen[r.Code] {
			bad(i, "code", "rule_code_duplicate", "规则编号重复", "duplicate rule code", r.Code)
		}
		seen[r.Code] = true
		if !GradeVocab.Has(string(r.Grade)) {
			bad(i, "grade", "grade_unknown", "人才类别须为A、B、C或D类", "must be A, B, C or D", r.Grade)
		}
		if r.When.empty() {
			bad(i, "when", "rule_without_condition", "每条规则至少要有一个条件", "a rule must state at least one condition", nil)
		}
		checkCodes(r.When.Education, EducationVocab, func(v string) {
			bad(i, "when.education", "education_unknown", "学历取值不在列表中", "unknown education level", v)
		})
		checkCodes(r.When.Title, TitleVocab, func(v string) {
			bad(i, "when.title", "title_unknown", "职称取值不在列表中", "unknown title", v)
		})
		checkCodes(r.When.SkillLevel, SkillLevelVocab, func(v string) {
			bad(i, "when.skill_level", "skill_level_unknown", "技能等级取值不在列表中", "unknown skill level", v)
		})
		checkCodes(r.When.HonoursAny, HonourVocab, func(v string) {
			bad(i, "when.honours_any", "honour_unknown", "人才计划/荣誉取值不在列表中", "unknown honour code", v)
		})
		if r.When.MinSalaryFen != nil && *r.When.MinSalaryFen < 0 {
			bad(i, "when.min_salary_fen", "salary_negative", "最低年薪不能为负数", "must not be negative", *r.When.MinSalaryFen)
		}
		if r.When.MinAge != nil && r.When.MaxAge != nil && *r.When.MinAge > *r.When.MaxAge {
			bad(i, "when.max_age", "age_range_inverted", "最大年龄不能小于最小年龄", "must not be below min_age", *r.When.MaxAge)
		}
	}
	if len(fields) > 0 {
		return errs.Fields(fields...)
	}
	return nil
}

// checkCodes calls unknown with each value that is not a code of list.
func checkCodes[T ~string](values []T, list *vocab.List, unknown func(string)) {
	for _, v := range values {
		if !list.Has(string(v)) {
			unknown(string(v))
		}
	}
}
