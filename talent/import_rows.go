package talent

import (
	"strconv"
	"strings"
)

// ImportError is one problem with one cell (or a whole row, or the header) of an upload.
type ImportError struct {
	Row     int    `json:"row" doc:"Row number as the spreadsheet shows it (the header is row 1)"`
	Column  string `json:"column,omitempty" doc:"The column's header as written in the file"`
	Value   string `json:"value,omitempty" doc:"The cell's content (identity numbers masked)"`
	Message string `json:"message"`
}

// rowParser turns the cells of one row into a talent input, collecting what is wrong per cell.
type rowParser struct {
	cols   columnMap
	header []string
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
	return field
}

// parse reads one row; errors name the column by its header in the file.
func (rp *rowParser) parse(line int, cells []string) (TalentInput, []ImportError) {
	var in TalentInput
	var errs []ImportError
	bad := func(field, value, msg string) {
		if field == "id_number" {
			value = maskForReport(value)
		}
		errs = append(errs, ImportError{Row: line, Column: rp.headerOf(field), Value: value, Message: msg})
	}
	get := func(field string) string { v, _ := rp.cell(cells, field); return v }

	in.Name = get("name")
	in.IDNumber = strings.ToUpper(get("id_number"))
	in.Mobile, in.Email, in.Position = get("mobile"), get("email"), get("position")
	in.School, in.Major, in.Field, in.Notes = get("school"), get("major"), get("field"), get("notes")
	if v := get("gender"); v != "" {
		if g, ok := lookupLabel(genderLabels, v); ok {
			in.Gender = g
		} else {
			bad("gender", v, "must be 男 or 女")
		}
	}
	if v := get("birth_date"); v != "" {
		if d, err := parseDate(v); err == nil {
			in.BirthDate = d
		} else {
			bad("birth_date", v, err.Error())
		}
	}
	if v := get("education"); v != "" {
		if e, ok := lookupLabel(educationLabels, v); ok {
			in.Education = e
		} else {
			bad("education", v, "must be 博士, 硕士, 本科, 大专 or 其他")
		}
	} else {
		bad("education", v, "required")
	}
	if t, ok := lookupLabel(titleLabels, get("title")); ok {
		in.Title = t
	} else {
		bad("title", get("title"), "must be 正高级, 副高级, 中级, 初级 or 无")
	}
	if sl, ok := lookupLabel(skillLabels, get("skill_level")); ok {
		in.SkillLevel = sl
	} else {
		bad("skill_level", get("skill_level"), "must be 高级技师, 技师, 高级工 or 无")
	}
	if v := get("honours"); v != "" {
		if h, err := parseHonours(v); err == nil {
			in.Honours = h
		} else {
			bad("honours", v, err.Error())
		}
	}
	if v := get("graduation_year"); v != "" {
		year, err := strconv.Atoi(v)
		if err != nil && len(v) >= 4 {
			year, err = strconv.Atoi(v[:4]) // "2015-07" or a date
		}
		if err != nil {
			bad("graduation_year", v, "not a year")
		} else {
			in.GraduationYear = year
		}
	}
	if v := get("annual_salary"); v != "" {
		if fen, err := parseYuan(v); err == nil {
			in.AnnualSalaryFen = fen
		} else {
			bad("annual_salary", v, err.Error())
		}
	}
	if v := get("annual_salary_fen"); v != "" {
		if fen, err := strconv.ParseInt(v, 10, 64); err == nil && fen >= 0 {
			in.AnnualSalaryFen = fen
		} else {
			bad("annual_salary_fen", v, "not a whole number of fen")
		}
	}
	if v := get("arrived_on"); v != "" {
		if d, err := parseDate(v); err == nil {
			in.ArrivedOn = d
		} else {
			bad("arrived_on", v, err.Error())
		}
	}
	if v := get("enterprise_uscc"); v != "" {
		if id, ok := rp.enterprise(strings.ToUpper(v)); ok {
			in.EnterpriseID = &id
		} else {
			bad("enterprise_uscc", v, "no registered enterprise has this credit code")
		}
	}
	return in, errs
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
