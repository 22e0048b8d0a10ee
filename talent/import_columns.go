package talent

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/vocab"
)

// importColumn is one column HR may put in an upload, with every header it is known by: the
// Chinese labels clerks write and the English field names of the API.
type importColumn struct {
	field    string
	headers  []string
	required bool
	label    string // the header the template and the export use; "" for a column they leave out
	// system marks the record id, which exports carry so that an upload can find the record
	// again; clerks never fill it in.
	system bool
}

// recordIDLabel is the header of the record id in exports.
const recordIDLabel = "编号(系统)"

var importColumns = []importColumn{
	{field: "id", headers: []string{recordIDLabel, "id"}, label: recordIDLabel, system: true},
	{field: "name", headers: []string{"姓名", "name"}, required: true, label: "姓名"},
	{field: "gender", headers: []string{"性别", "gender"}, label: "性别"},
	{field: "birth_date", headers: []string{"出生日期", "出生年月日", "birth_date"}, label: "出生日期"},
	{field: "id_number", headers: []string{"身份证号", "身份证号码", "居民身份证号码", "公民身份号码", "id_number"}, required: true, label: "身份证号"},
	{field: "mobile", headers: []string{"手机号", "手机号码", "手机", "联系电话", "mobile"}, label: "手机号"},
	{field: "email", headers: []string{"邮箱", "电子邮箱", "email"}, label: "电子邮箱"},
	{field: "enterprise_uscc", headers: []string{"统一社会信用代码", "企业统一社会信用代码", "单位统一社会信用代码", "enterprise_uscc"}, label: "统一社会信用代码"},
	{field: "position", headers: []string{"职务", "岗位", "职务岗位", "position"}, label: "职务"},
	{field: "education", headers: []string{"学历", "最高学历", "education"}, required: true, label: "学历"},
	{field: "school", headers: []string{"毕业院校", "毕业学校", "school"}, label: "毕业院校"},
	{field: "major", headers: []string{"专业", "所学专业", "major"}, label: "专业"},
	{field: "graduation_year", headers: []string{"毕业年份", "毕业时间", "graduation_year"}, label: "毕业年份"},
	{field: "title", headers: []string{"职称", "专业技术职称", "title"}, label: "职称"},
	{field: "skill_level", headers: []string{"技能等级", "职业技能等级", "skill_level"}, label: "技能等级"},
	{field: "honours", headers: []string{"人才计划", "荣誉", "人才计划荣誉", "人才计划/荣誉", "荣誉称号", "honours"}, label: "人才计划/荣誉"},
	{field: "annual_salary", headers: []string{"年薪", "年薪(元)", "年薪元", "annual_salary"}, label: "年薪(元)"},
	{field: "annual_salary_fen", headers: []string{"年薪(分)", "annual_salary_fen"}},
	{field: "field", headers: []string{"领域", "所属领域", "行业", "所属行业", "field"}, label: "所属领域"},
	{field: "arrived_on", headers: []string{"来璧时间", "来璧日期", "到璧山时间", "入区日期", "arrived_on"}, label: "来璧时间"},
	{field: "notes", headers: []string{"备注", "notes"}, label: "备注"},
}

// columnOf returns the import column of field.
func columnOf(field string) importColumn {
	for _, c := range importColumns {
		if c.field == field {
			return c
		}
	}
	return importColumn{field: field, label: field}
}

// Columns clerks often add that carry nothing to import.
var ignoredHeaders = map[string]bool{"序号": true, "编号": true, "no": true, "no.": true, "#": true}

// normalizeHeader folds the ways one header gets written: full-width brackets, spaces, a
// required-marker star, letter case.
func normalizeHeader(h string) string {
	h = strings.NewReplacer("（", "(", "）", ")", " ", "", "\u3000", "", "*", "", "＊", "").Replace(strings.TrimSpace(h))
	return strings.ToLower(h)
}

var headerIndex = func() map[string]string {
	m := map[string]string{}
	for _, c := range importColumns {
		for _, h := range c.headers {
			m[normalizeHeader(h)] = c.field
		}
	}
	return m
}()

// columnMap says which cell holds which field.
type columnMap map[string]int

// has reports whether the file has a column for field.
func (c columnMap) has(field string) bool {
	_, ok := c[field]
	return ok
}

// mapHeader maps a file's header row to fields, with an error for each problem (an unknown
// column, a column twice, a required column missing).
func mapHeader(header []string) (columnMap, []*errs.Error) {
	cols := columnMap{}
	var problems []*errs.Error
	for i, h := range header {
		n := normalizeHeader(h)
		if n == "" || ignoredHeaders[n] {
			continue
		}
		field, ok := headerIndex[n]
		if !ok {
			problems = append(problems, errs.Newf(errs.Invalid, "unknown_column",
				"无法识别“%s”列：表头应为 姓名、身份证号、学历 等，请下载导入模板对照填写",
				"unknown column %q (expected headers such as 姓名, 身份证号, 学历; download the template)", h))
			continue
		}
		if cols.has(field) {
			problems = append(problems, errs.Newf(errs.Invalid, "duplicate_column",
				"“%s”列出现了两次，请只保留一列", "column %q appears twice", h))
			continue
		}
		cols[field] = i
	}
	for _, c := range importColumns {
		if c.required && !cols.has(c.field) {
			problems = append(problems, errs.Newf(errs.Invalid, "missing_column",
				"缺少必填列“%s”", "required column %s (%s) is missing", c.label, c.field))
		}
	}
	if cols.has("annual_salary") && cols.has("annual_salary_fen") {
		problems = append(problems, errs.New(errs.Invalid, "duplicate_column",
			"年薪只需填写一列：年薪(元) 或 年薪(分)", "give the salary once: 年薪(元) or annual_salary_fen, not both"))
	}
	return cols, problems
}

// parseTerm reads a coded cell by its list: the Chinese label, an alias or the code.
func parseTerm(list *vocab.List, what, v string) (string, *errs.Error) {
	if code, ok := list.Parse(v); ok {
		return code, nil
	}
	return "", errUnknownTerm(list, what)
}

// errUnknownTerm says which values a coded column takes.
func errUnknownTerm(list *vocab.List, what string) *errs.Error {
	en := make([]string, 0, len(list.Terms()))
	for _, t := range list.Terms() {
		if t.Zh != "" {
			en = append(en, t.Zh+" ("+t.En+")")
		}
	}
	return errs.New(errs.Invalid, "unknown_value",
		fmt.Sprintf("%s请填写以下之一：%s", what, strings.Join(nonEmpty(list.Labels()), "、")),
		fmt.Sprintf("%s must be one of: %s", list.Name(), strings.Join(en, ", ")))
}

func nonEmpty(list []string) []string {
	out := list[:0:0]
	for _, s := range list {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// honourItem is one "label(year)" or "label 2019" entry of the honours cell.
var honourItem = regexp.MustCompile(`^(.+?)\s*[(（]?\s*((?:19|20)\d\d)?\s*(?:年)?\s*[)）]?$`)

// honourSeparators are the characters clerks put between honours.
const honourSeparators = ";；、,，|"

// parseHonours reads "璧山英才(2019)；重庆英才计划" — entries separated by ; ；、, ， or |.
func parseHonours(v string) ([]Honour, *errs.Error) {
	out := []Honour{}
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(honourSeparators, r) }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		label, year := part, 0
		if m := honourItem.FindStringSubmatch(part); m != nil {
			label = strings.TrimSpace(m[1])
			if m[2] != "" {
				year, _ = strconv.Atoi(m[2])
			}
		}
		code, ok := HonourVocab.Parse(label)
		if !ok {
			return nil, errs.New(errs.Invalid, "unknown_value",
				fmt.Sprintf("无法识别的人才计划/荣誉“%s”，可填写：%s；多项用“；”分隔，年份写在括号里，如 璧山英才(2019)",
					label, strings.Join(HonourVocab.Labels(), "、")),
				fmt.Sprintf("unknown honour %q (known: %s; separate several with ；, the year in brackets, e.g. 璧山英才(2019))",
					label, strings.Join(HonourVocab.Labels(), ", ")))
		}
		out = append(out, Honour{Code: code, Year: year})
	}
	return out, nil
}

// formatHonours writes honours the way parseHonours reads them, with Chinese labels.
func formatHonours(hs []Honour) string {
	items := make([]string, len(hs))
	for i, h := range hs {
		items[i] = HonourVocab.Label(h.Code, "zh")
		if h.Year != 0 {
			items[i] += "(" + strconv.Itoa(h.Year) + ")"
		}
	}
	return strings.Join(items, "；")
}

// Date forms clerks type, beside what the spreadsheet reader already turned into ISO dates.
var dateLayouts = []string{"2006-01-02", "2006/1/2", "2006/01/02", "2006.1.2", "2006.01.02", "20060102", "2006年1月2日", "2006-1-2"}

// errNotADate asks for a date in the form the template shows.
var errNotADate = errs.New(errs.Invalid, "invalid_date", "日期格式不正确，请写成 2020-06-30 这样的形式",
	"not a date (write it as 2020-06-30)")

func parseDate(v string) (civil.Date, *errs.Error) {
	v = strings.TrimSpace(v)
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return civil.Of(t), nil
		}
	}
	return civil.Date{}, errNotADate
}

// bareYear reads a cell that holds only a year ("1985"), the form in which an export shows a birth
// date to a role that does not read the whole date; 0 when the cell is anything else.
func bareYear(v string) int {
	if len(v) != 4 {
		return 0
	}
	y, err := strconv.Atoi(v)
	if err != nil || y < 1900 {
		return 0
	}
	return y
}
