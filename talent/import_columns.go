package talent

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"talentd/internal/civil"
)

// importColumn is one column HR may put in an upload, with every header it is known by: the
// Chinese labels clerks write and the English field names of the API.
type importColumn struct {
	field    string
	headers  []string
	required bool
	label    string // the header the template uses
}

var importColumns = []importColumn{
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

// Columns clerks often add that carry nothing to import.
var ignoredHeaders = map[string]bool{"序号": true, "编号": true, "no": true, "no.": true, "#": true}

// normalizeHeader folds the ways one header gets written: full-width brackets, spaces, a
// required-marker star, letter case.
func normalizeHeader(h string) string {
	h = strings.NewReplacer("（", "(", "）", ")", " ", "", "\u3000", "", "*", "", "＊", "", "_", "_").Replace(strings.TrimSpace(h))
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

// mapHeader maps a file's header row to fields, with a message for each problem (an unknown
// column, a column twice, a required column missing).
func mapHeader(header []string) (columnMap, []string) {
	cols := columnMap{}
	var problems []string
	for i, h := range header {
		n := normalizeHeader(h)
		if n == "" || ignoredHeaders[n] {
			continue
		}
		field, ok := headerIndex[n]
		if !ok {
			problems = append(problems, fmt.Sprintf("unknown column %q (expected headers such as 姓名, 身份证号, 学历; download the template)", h))
			continue
		}
		if _, dup := cols[field]; dup {
			problems = append(problems, fmt.Sprintf("column %q appears twice", h))
			continue
		}
		cols[field] = i
	}
	for _, c := range importColumns {
		if _, ok := cols[c.field]; c.required && !ok {
			problems = append(problems, fmt.Sprintf("required column %s (%s) is missing", c.label, c.field))
		}
	}
	if _, a := cols["annual_salary"]; a {
		if _, b := cols["annual_salary_fen"]; b {
			problems = append(problems, "give the salary once: 年薪(元) or annual_salary_fen, not both")
		}
	}
	return cols, problems
}

// The Chinese labels of enum values, as clerks write them.
var (
	genderLabels    = map[string]string{"男": "male", "女": "female", "male": "male", "female": "female", "m": "male", "f": "female"}
	educationLabels = map[string]string{
		"博士": "doctorate", "博士研究生": "doctorate", "博士研究生学历": "doctorate", "doctorate": "doctorate",
		"硕士": "master", "硕士研究生": "master", "研究生": "master", "硕士研究生学历": "master", "master": "master",
		"本科": "bachelor", "大学本科": "bachelor", "学士": "bachelor", "bachelor": "bachelor",
		"大专": "associate", "专科": "associate", "大学专科": "associate", "associate": "associate",
		"其他": "other", "高中": "other", "中专": "other", "other": "other",
	}
	titleLabels = map[string]string{
		"正高级": "senior_full", "正高": "senior_full", "正高级职称": "senior_full", "senior_full": "senior_full",
		"副高级": "senior_associate", "副高": "senior_associate", "副高级职称": "senior_associate", "senior_associate": "senior_associate",
		"中级": "intermediate", "中级职称": "intermediate", "intermediate": "intermediate",
		"初级": "junior", "初级职称": "junior", "junior": "junior",
		"无": "none", "": "none", "none": "none",
	}
	skillLabels = map[string]string{
		"高级技师": "senior_technician", "senior_technician": "senior_technician",
		"技师": "technician", "technician": "technician",
		"高级工": "senior_worker", "senior_worker": "senior_worker",
		"无": "none", "": "none", "none": "none",
	}
	honourLabels = map[string]string{
		"院士": "academician", "两院院士": "academician", "中国科学院院士": "academician", "中国工程院院士": "academician",
		"国家级顶尖奖项": "national_award", "国家最高科学技术奖": "national_award", "国家级奖项": "national_award",
		"国家级人才计划": "national_programme", "国家级人才": "national_programme",
		"重庆英才": "municipal_programme", "重庆英才计划": "municipal_programme", "市级人才计划": "municipal_programme",
		"璧山英才": "district_talent", "璧山工匠": "district_craftsman", "其他": "other",
	}
)

func lookupLabel(labels map[string]string, v string) (string, bool) {
	out, ok := labels[strings.ToLower(strings.TrimSpace(v))]
	return out, ok
}

// honourItem is one "label(year)" or "label 2019" entry of the honours cell.
var honourItem = regexp.MustCompile(`^(.+?)\s*[(（]?\s*((?:19|20)\d\d)?\s*(?:年)?\s*[)）]?$`)

// parseHonours reads "璧山英才(2019)；重庆英才计划" — entries separated by ; ；、, or ，.
func parseHonours(v string) ([]Honour, error) {
	out := []Honour{}
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(";；、,，|", r) }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		m := honourItem.FindStringSubmatch(part)
		label := part
		year := 0
		if m != nil {
			label = strings.TrimSpace(m[1])
			if m[2] != "" {
				year, _ = strconv.Atoi(m[2])
			}
		}
		code, ok := honourLabels[label]
		if !ok && contains(HonourVocab.Codes(), label) {
			code, ok = label, true
		}
		if !ok {
			return nil, fmt.Errorf("unknown honour %q (known: 院士, 国家级人才计划, 重庆英才计划, 璧山英才, 璧山工匠, …)", label)
		}
		out = append(out, Honour{Code: code, Year: year})
	}
	return out, nil
}

// Date forms clerks type, beside what the spreadsheet reader already turned into ISO dates.
var dateLayouts = []string{"2006-01-02", "2006/1/2", "2006/01/02", "2006.1.2", "2006.01.02", "20060102", "2006年1月2日", "2006-1-2"}

func parseDate(v string) (civil.Date, error) {
	v = strings.TrimSpace(v)
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return civil.Of(t), nil
		}
	}
	return civil.Date{}, fmt.Errorf("not a date (write it as 2020-06-30)")
}

// parseYuan reads an amount of yuan — "350000", "350,000.50", "35万", "¥350000" — into fen.
func parseYuan(v string) (int64, error) {
	s := strings.NewReplacer(",", "", "，", "", "¥", "", "￥", "", "元", "", " ", "").Replace(strings.TrimSpace(v))
	mult := 100.0
	if strings.HasSuffix(s, "万") {
		s, mult = strings.TrimSuffix(s, "万"), 1_000_000
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || f*mult > 1e13 {
		return 0, fmt.Errorf("not an amount of yuan (e.g. 350000 or 35万)")
	}
	return int64(math.Round(f * mult)), nil
}
