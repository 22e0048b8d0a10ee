package subsidy

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"talentd/internal/errs"
	"talentd/internal/money"
)

// Rules are a programme's rules as a JSON object: for an enterprise subsidy the rates, caps and
// levels its calculation reads. They are stored as given.
type Rules map[string]any

// Value stores the rules as a JSON object, as text: lib/pq sends bytes in binary form, which jsonb
// reads differently.
func (r Rules) Value() (driver.Value, error) {
	if r == nil {
		return "{}", nil
	}
	raw, err := json.Marshal(map[string]any(r))
	return string(raw), err
}

// Scan reads the rules from their jsonb column.
func (r *Rules) Scan(src any) error {
	var raw []byte
	switch v := src.(type) {
	case []byte:
		raw = v
	case string:
		raw = []byte(v)
	default:
		return fmt.Errorf("subsidy: cannot scan %T into rules", src)
	}
	m := map[string]any{}
	if err := json.Unmarshal(raw, &m); err != nil {
		return err
	}
	*r = m
	return nil
}

// maxRulesBytes bounds a programme's rules as stored: rules are a page of rates and caps, not data.
const maxRulesBytes = 64 << 10

// ProgrammeInput is what the office states about a programme, on creation and on edit.
type ProgrammeInput struct {
	Kind      ProgrammeKind   `json:"kind"`
	Code      string          `json:"code" minLength:"2" maxLength:"50" pattern:"^[a-z][a-z0-9_]{1,49}$" example:"bishan_talent" doc:"Unique code: lower-case letters, digits and underscores"`
	Name      string          `json:"name" minLength:"1" maxLength:"100" example:"璧山英才"`
	Year      int             `json:"year" minimum:"2000" maximum:"2100" example:"2026"`
	BudgetFen money.Fen       `json:"budget_fen" minimum:"1" maximum:"1000000000000000" example:"500000000" doc:"The budget in fen"`
	Rules     Rules           `json:"rules,omitempty" doc:"The programme's rules, a JSON object (the calculation of an enterprise subsidy reads it)"`
	Status    ProgrammeStatus `json:"status,omitempty" doc:"open (the default) or closed"`
}

var codePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,49}$`)

// normalise trims the input and checks the rules the wire tags cannot state.
func (in ProgrammeInput) normalise() (ProgrammeInput, error) {
	in.Code, in.Name = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name)
	if in.Status == "" {
		in.Status = ProgrammeOpen
	}
	if in.Rules == nil {
		in.Rules = Rules{}
	}
	var fields []errs.FieldError
	if !ProgrammeKindVocab.Has(string(in.Kind)) {
		fields = append(fields, errs.Field("body.kind", "invalid", "请选择项目类型：人才奖励或企业补贴",
			"kind is award or enterprise_subsidy", string(in.Kind)))
	}
	if !ProgrammeStatusVocab.Has(string(in.Status)) {
		fields = append(fields, errs.Field("body.status", "invalid", "项目状态只能是受理中或已关闭",
			"status is open or closed", string(in.Status)))
	}
	if !codePattern.MatchString(in.Code) {
		fields = append(fields, errs.Field("body.code", "invalid", "项目编码只能由小写字母、数字和下划线组成，以字母开头，2 至 50 个字符",
			"the code is 2 to 50 lower-case letters, digits and underscores, starting with a letter", in.Code))
	}
	if in.Name == "" {
		fields = append(fields, errs.Field("body.name", "required", "请填写项目名称", "the programme's name is required", nil))
	}
	if in.Year < 2000 || in.Year > 2100 {
		fields = append(fields, errs.Field("body.year", "invalid", "年份应在 2000 至 2100 之间", "the year is between 2000 and 2100", in.Year))
	}
	if in.BudgetFen <= 0 || in.BudgetFen > money.Max {
		fields = append(fields, errs.Field("body.budget_fen", "invalid", "预算金额应大于 0（单位：分）",
			"the budget is more than 0 fen", int64(in.BudgetFen)))
	}
	raw, err := json.Marshal(map[string]any(in.Rules))
	if err != nil || len(raw) > maxRulesBytes {
		fields = append(fields, errs.Field("body.rules", "too_large", "项目规则内容过长（不超过 64 KB）",
			"the rules are too large (at most 64 KB)", nil))
	} else if in.Kind == KindEnterpriseSubsidy {
		fields = append(fields, subsidyRulesProblems(raw)...)
	}
	if len(fields) > 0 {
		return in, errs.Fields(fields...)
	}
	return in, nil
}

// remaining fills in what the budget still allows.
func (p Programme) remaining() Programme {
	p.RemainingFen = p.BudgetFen - p.CommittedFen
	return p
}

// ProgrammeFilter narrows a list of programmes; zero fields do not filter.
type ProgrammeFilter struct {
	Kind   ProgrammeKind
	Year   int
	Status ProgrammeStatus
}

// Errors of programmes' edits.
var (
	errBudgetBelowCommitted = func(p Programme, budget money.Fen) error {
		return errs.Newf(errs.Conflict, "budget_below_committed",
			"预算不能低于已承诺金额：已承诺 %s 元，新预算 %s 元",
			"the budget cannot drop below the committed total: committed %s yuan, new budget %s",
			p.CommittedFen.Yuan(), budget.Yuan())
	}
)

// subsidyRulesProblems checks an enterprise-subsidy programme's rules as the calculation will read
// them (calc.go): known members only, amounts and rates in range.
func subsidyRulesProblems(raw []byte) []errs.FieldError {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var r SubsidyRules
	if err := dec.Decode(&r); err != nil {
		return []errs.FieldError{errs.Field("body.rules", "rules_unreadable",
			"补贴规则格式不正确：只能包含研发平台（rd_platform）、研发投入（rd_investment）、本地配套（local_supply）和总上限（cap_fen）",
			"the subsidy rules may hold only rd_platform, rd_investment, local_supply and cap_fen, in their documented shapes", nil)}
	}
	var e *errs.Error
	if err := r.Validate("body.rules"); errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
