package talent

import (
	"errors"
	"strconv"
	"strings"

	"talentd/internal/errs"
	"talentd/internal/money"
)

// ImportError is one problem with one cell (or a whole row, or the header) of an upload.
type ImportError struct {
	Row     int    `json:"row" doc:"Row number as the spreadsheet shows it (the header is row 1; 0 for the file as a whole)"`
	Column  string `json:"column,omitempty" doc:"The column's header as written in the file"`
	Value   string `json:"value,omitempty" doc:"The cell's content (identity numbers masked)"`
	Code    string `json:"code" doc:"Stable name of the problem for programs, e.g. unknown_value, record_not_found, not_editable"`
	Message string `json:"message" doc:"The problem in the reader's language: Chinese, or English when Accept-Language asks for it"`
}

// parsedRow is one data row of an upload, read but not yet checked against the registry.
type parsedRow struct {
	in TalentInput
	// recordID is the record the row updates (the export's 编号(系统) column); 0 for a new record.
	recordID int64
	// keepIDNumber: the identity number cell is masked, as an export shows it to HR, so the
	// record's number stays as it is.
	keepIDNumber bool
	// birthYear is set when the birth date cell holds only a year (as an export shows it to HR):
	// the date is then taken from the identity number, and must fall in that year.
	birthYear int
}

// rowParser turns the cells of one row into a talent input, collecting what is wrong per cell.
type rowParser struct {
	cols   columnMap
	header []string
	lang   string // the reader's language, for the messages
	// enterprise resolves a credit code to an enterprise id.
	enterprise func(uscc string) (int64, bool)
}

func (rp *rowParser) cell(cells []string, field string) (string, bool) {
	i, ok := rp.cols[field]
	if !ok || i >= len(cells) {
		return "", false
	}
	return strings.TrimSpace(cells[i]), true
}

func (rp *rowParser) headerOf(field string) string {
	if i, ok := rp.cols[field]; ok && i < len(rp.header) {
		return rp.header[i]
	}
	return columnOf(field).label
}

// problem reports e at a cell of the row (field "" for the whole row); an identity number in
// value is masked.
func (rp *rowParser) problem(line int, field, value string, e *errs.Error) ImportError {
	if field == "id_number" {
		value = maskForReport(value)
	}
	column := ""
	if field != "" {
		column = rp.headerOf(field)
	}
	return ImportError{Row: line, Column: column, Value: value, Code: e.Code, Message: e.In(rp.lang)}
}

// Row problems found while reading cells.
var (
	errBadRecordID = errs.New(errs.Invalid, "invalid_record_id",
		"“编号(系统)”应为导出文件中的数字编号，请勿修改；新增人员请留空",
		"编号(系统) must be the record number from an export, unchanged; leave it empty for a new person")
	errMaskedIDNumber = errs.New(errs.Invalid, "masked_id_number",
		"身份证号已打码，无法新建记录：请填写完整的身份证号，或保留导出文件中的“编号(系统)”列以更新原记录",
		"the identity number is masked: a new record needs the whole number; keep the export's 编号(系统) column to update the record instead")
	errNegativeSalary = errs.New(errs.Invalid, "invalid_amount", "年薪不能为负数", "the salary cannot be negative")
	errBadSalaryFen   = errs.New(errs.Invalid, "invalid_amount", "年薪(分)请填写不小于 0 的整数",
		"annual_salary_fen must be a whole number of fen, at least 0")
	errBadYear     = errs.New(errs.Invalid, "invalid_year", "毕业年份请填写四位年份，如 2015", "not a year (write it as 2015)")
	errUnknownUSCC = errs.New(errs.Invalid, "enterprise_not_found", "没有以该统一社会信用代码登记的企业，请核对",
		"no registered enterprise has this credit code")
)

// errRequired says that the column headed what needs a value.
func errRequired(what string) *errs.Error {
	return errs.Newf(errs.Invalid, "required", "“%s”为必填项", "%s is required", what)
}

// parse reads one row; problems name the column by its header in the file.
func (rp *rowParser) parse(line int, cells []string) (parsedRow, []ImportError) {
	var row parsedRow
	in := &row.in
	var problems []ImportError
	bad := func(field, value string, e *errs.Error) {
		problems = append(problems, rp.problem(line, field, value, e))
	}
	get := func(field string) string { v, _ := rp.cell(cells, field); return v }

	if v := get("id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			bad("id", v, errBadRecordID)
		}
		row.recordID = id
	}
	in.Name = get("name")
	in.IDNumber = strings.ToUpper(get("id_number"))
	if strings.ContainsAny(in.IDNumber, "*＊") {
		if row.recordID == 0 {
			bad("id_number", in.IDNumber, errMaskedIDNumber)
		}
		row.keepIDNumber, in.IDNumber = true, ""
	}
	in.Mobile, in.Email, in.Position = get("mobile"), get("email"), get("position")
	in.School, in.Major, in.Field, in.Notes = get("school"), get("major"), get("field"), get("notes")
	if v := get("gender"); v != "" {
		if g, e := parseTerm(GenderVocab, "性别", v); e == nil {
			in.Gender = g
		} else {
			bad("gender", v, e)
		}
	}
	if v := get("birth_date"); v != "" {
		if y := bareYear(v); y != 0 {
			row.birthYear = y
		} else if d, e := parseDate(v); e == nil {
			in.BirthDate = d
		} else {
			bad("birth_date", v, e)
		}
	}
	if v := get("education"); v == "" {
		bad("education", v, errRequired(rp.headerOf("education")))
	} else if code, e := parseTerm(EducationVocab, "学历", v); e == nil {
		in.Education = code
	} else {
		bad("education", v, e)
	}
	if code, e := parseTerm(TitleVocab, "职称", get("title")); e == nil {
		in.Title = code
	} else {
		bad("title", get("title"), e)
	}
	if code, e := parseTerm(SkillLevelVocab, "技能等级", get("skill_level")); e == nil {
		in.SkillLevel = code
	} else {
		bad("skill_level", get("skill_level"), e)
	}
	if v := get("honours"); v != "" {
		if h, e := parseHonours(v); e == nil {
			in.Honours = h
		} else {
			bad("honours", v, e)
		}
	}
	if v := get("graduation_year"); v != "" {
		year, err := strconv.Atoi(v)
		if err != nil && len(v) >= 4 {
			year, err = strconv.Atoi(v[:4]) // "2015-07" or a date
		}
		if err != nil {
			bad("graduation_year", v, errBadYear)
		} else {
			in.GraduationYear = year
		}
	}
	if v := get("annual_salary"); v != "" {
		fen, err := money.Parse(v)
		var e *errs.Error
		switch {
		case errors.As(err, &e):
			bad("annual_salary", v, e)
		case fen < 0:
			bad("annual_salary", v, errNegativeSalary)
		default:
			in.AnnualSalaryFen = int64(fen)
		}
	}
	if v := get("annual_salary_fen"); v != "" {
		if fen, err := strconv.ParseInt(v, 10, 64); err == nil && fen >= 0 {
			in.AnnualSalaryFen = fen
		} else {
			bad("annual_salary_fen", v, errBadSalaryFen)
		}
	}
	if v := get("arrived_on"); v != "" {
		if d, e := parseDate(v); e == nil {
			in.ArrivedOn = d
		} else {
			bad("arrived_on", v, e)
		}
	}
	if v := get("enterprise_uscc"); v != "" {
		if id, ok := rp.enterprise(strings.ToUpper(v)); ok {
			in.EnterpriseID = &id
		} else {
			bad("enterprise_uscc", v, errUnknownUSCC)
		}
	}
	return row, problems
}

// maskForReport hides the middle of an identity number echoed in an error report.
func maskForReport(v string) string {
	if len(v) <= 10 {
		return strings.Repeat("*", len(v))
	}
	return v[:6] + strings.Repeat("*", len(v)-10) + v[len(v)-4:]
}

// fieldOfLocation maps a validation location ("body.mobile") back to its import field.
func fieldOfLocation(loc string) string {
	f := strings.TrimPrefix(loc, "body.")
	if i := strings.IndexAny(f, ".["); i >= 0 {
		f = f[:i]
	}
	switch f {
	case "annual_salary_fen":
		return "annual_salary"
	case "enterprise_id":
		return "enterprise_uscc"
	}
	return f
}
