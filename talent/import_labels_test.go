package talent

import (
	"slices"
	"testing"
)

// parseOne reads one row of cells under header, as an upload would.
func parseOne(header []string, cells []string, lang string) (parsedRow, []ImportError) {
	cols, _ := mapHeader(header)
	rp := &rowParser{cols: cols, header: header, lang: lang, enterprise: func(string) (int64, bool) { return 0, false }}
	return rp.parse(2, cells)
}

// TestImportLabels_OldAliases: every label the import accepted before the vocabularies existed
// still parses to the same code.
func TestImportLabels_OldAliases(t *testing.T) {
	t.Parallel()
	cases := map[string]map[string]string{
		"性别": {"男": "male", "女": "female", "male": "male", "female": "female", "m": "male", "f": "female", "M": "male"},
		"学历": {"博士": "doctorate", "博士研究生": "doctorate", "博士研究生学历": "doctorate", "doctorate": "doctorate",
			"硕士": "master", "硕士研究生": "master", "研究生": "master", "硕士研究生学历": "master", "master": "master",
			"本科": "bachelor", "大学本科": "bachelor", "学士": "bachelor", "bachelor": "bachelor",
			"大专": "associate", "专科": "associate", "大学专科": "associate", "associate": "associate",
			"其他": "other", "高中": "other", "中专": "other", "other": "other"},
		"职称": {"正高级": "senior_full", "正高": "senior_full", "正高级职称": "senior_full", "senior_full": "senior_full",
			"副高级": "senior_associate", "副高": "senior_associate", "副高级职称": "senior_associate", "senior_associate": "senior_associate",
			"中级": "intermediate", "中级职称": "intermediate", "intermediate": "intermediate",
			"初级": "junior", "初级职称": "junior", "junior": "junior", "无": "none", "": "none", "none": "none"},
		"技能等级": {"高级技师": "senior_technician", "senior_technician": "senior_technician", "技师": "technician",
			"technician": "technician", "高级工": "senior_worker", "senior_worker": "senior_worker", "无": "none", "": "none", "none": "none"},
	}
	for column, labels := range cases {
		for label, want := range labels {
			header, cells := []string{"姓名", "身份证号", "学历", column}, []string{"张三", "", "本科", label}
			if column == "学历" {
				header, cells = header[:3], []string{"张三", "", label}
			}
			row, problems := parseOne(header, cells, "zh")
			got := map[string]string{"性别": row.in.Gender, "学历": row.in.Education, "职称": row.in.Title, "技能等级": row.in.SkillLevel}[column]
			if len(problems) > 0 || got != want {
				t.Errorf("%s %q = %q %+v; want %q", column, label, got, problems, want)
			}
		}
	}
	honours := map[string]string{"院士": "academician", "两院院士": "academician", "中国科学院院士": "academician",
		"中国工程院院士": "academician", "国家级顶尖奖项": "national_award", "国家最高科学技术奖": "national_award",
		"国家级奖项": "national_award", "国家级人才计划": "national_programme", "国家级人才": "national_programme",
		"重庆英才": "municipal_programme", "重庆英才计划": "municipal_programme", "市级人才计划": "municipal_programme",
		"璧山英才": "district_talent", "璧山工匠": "district_craftsman", "其他": "other", "district_talent": "district_talent"}
	for label, want := range honours {
		got, err := parseHonours(label + "(2019)")
		if err != nil || len(got) != 1 || got[0] != (Honour{Code: want, Year: 2019}) {
			t.Errorf("honour %q = %+v, %v; want %s", label, got, err, want)
		}
	}
}

func TestImportRows_Cells(t *testing.T) {
	t.Parallel()
	header := []string{"编号(系统)", "姓名", "身份证号", "学历", "出生日期", "人才计划/荣誉", "年薪（元）"}
	row, problems := parseOne(header, []string{"17", "张三", "500120********0012", "博士", "1990",
		"璧山英才(2019)；重庆英才计划、院士 2001年", "35.5万"}, "zh")
	if len(problems) > 0 {
		t.Fatalf("problems: %+v", problems)
	}
	want := []Honour{{Code: "district_talent", Year: 2019}, {Code: "municipal_programme"}, {Code: "academician", Year: 2001}}
	if row.recordID != 17 || !row.keepIDNumber || row.in.IDNumber != "" || row.birthYear != 1990 ||
		!row.in.BirthDate.IsZero() || !slices.Equal(row.in.Honours, want) || row.in.AnnualSalaryFen != 35_500_000 {
		t.Errorf("parsed %+v", row)
	}
	if formatHonours(want) != "璧山英才(2019)；重庆英才计划；院士(2001)" {
		t.Errorf("formatHonours = %q", formatHonours(want))
	}

	for _, c := range []struct {
		cells    []string
		lang     string
		column   string
		code     string
		message  string
		recordID int64
	}{
		{[]string{"", "张三", "500120********0012", "博士", "", "", ""}, "zh", "身份证号", "masked_id_number", "", 0},
		{[]string{"x1", "张三", "", "博士", "", "", ""}, "zh", "编号(系统)", "invalid_record_id", "", 0},
		{[]string{"", "张三", "", "博士后", "", "", ""}, "zh", "学历", "unknown_value", "学历请填写以下之一：博士、硕士、本科、大专、其他", 0},
		{[]string{"", "张三", "", "博士后", "", "", ""}, "en", "学历", "unknown_value",
			"education must be one of: 博士 (Doctorate), 硕士 (Master's degree), 本科 (Bachelor's degree), 大专 (Associate degree), 其他 (Other)", 0},
		{[]string{"", "张三", "", "", "", "", ""}, "zh", "学历", "required", "“学历”为必填项", 0},
		{[]string{"", "张三", "", "博士", "1990/13/40", "", ""}, "zh", "出生日期", "invalid_date", "日期格式不正确，请写成 2020-06-30 这样的形式", 0},
		{[]string{"", "张三", "", "博士", "", "长江学者", ""}, "zh", "人才计划/荣誉", "unknown_value", "", 0},
		{[]string{"", "张三", "", "博士", "", "", "1.234"}, "zh", "年薪（元）", "invalid_amount", "金额最多精确到分（小数点后两位）", 0},
		{[]string{"", "张三", "", "博士", "", "", "3.5e5"}, "en", "年薪（元）", "invalid_amount", "", 0},
		{[]string{"", "张三", "", "博士", "", "", "-5"}, "zh", "年薪（元）", "invalid_amount", "年薪不能为负数", 0},
	} {
		_, problems := parseOne(header, c.cells, c.lang)
		if len(problems) != 1 || problems[0].Column != c.column || problems[0].Code != c.code ||
			(c.message != "" && problems[0].Message != c.message) || problems[0].Message == "" {
			t.Errorf("%v (%s): %+v; want %s %s %q", c.cells, c.lang, problems, c.column, c.code, c.message)
		}
	}
}

func TestMapHeader_Problems(t *testing.T) {
	t.Parallel()
	_, problems := mapHeader([]string{"姓名", "姓名", "工资", "年薪", "年薪(分)"})
	var codes []string
	for _, p := range problems {
		codes = append(codes, p.Code)
		if p.Zh == "" || p.Message == "" {
			t.Errorf("untranslated header problem %+v", p)
		}
	}
	want := []string{"duplicate_column", "unknown_column", "missing_column", "missing_column", "duplicate_column"}
	if !slices.Equal(codes, want) {
		t.Errorf("codes %v, want %v", codes, want)
	}
	cols, problems := mapHeader([]string{"编号(系统)", "姓名*", "身份证号＊", "学历 *", "序号", "企业名称", "状态"})
	if len(problems) > 0 || !cols.has("id") || !cols.has("name") || !cols.has("education") {
		t.Errorf("export and template headers: %v %+v", cols, problems)
	}
}
