package talent

import (
	"slices"
	"testing"

	"talentd/internal/auth"
	"talentd/internal/civil"
)

// TestExportHeader: the export's columns, in order, with a cell for each in every row, and the
// importable ones known to the import by the same header.
func TestExportHeader(t *testing.T) {
	t.Parallel()
	want := []string{"编号(系统)", "姓名", "性别", "出生日期", "身份证号", "手机号", "电子邮箱", "统一社会信用代码", "企业名称",
		"职务", "学历", "毕业院校", "专业", "毕业年份", "职称", "技能等级", "人才计划/荣誉", "年薪(元)", "所属领域",
		"来璧时间", "备注", "状态", "人才类别", "认定规则", "入库日期"}
	header := exportHeader()
	if !slices.Equal(header, want) {
		t.Fatalf("export header %v", header)
	}
	if _, problems := mapHeader(header); len(problems) > 0 {
		t.Errorf("the import does not read the export's header: %+v", problems)
	}
	ent := int64(3)
	grade := GradeB
	row := (&Service{}).exportRow(auth.Principal{Role: auth.RoleEnterpriseHR, EnterpriseID: ent}, Talent{ID: 42,
		EnterpriseID: &ent, Status: StatusRegistered, Name: "张三", Gender: "female", BirthDate: civil.New(1990, 5, 17),
		IDNumberMasked: "500120********0024", Education: "master", Title: "none", SkillLevel: "technician",
		Honours: HonourList{{Code: "district_craftsman", Year: 2020}}, AnnualSalaryFen: 12345678, Grade: &grade,
		GradeRules: []string{"D1", "D3"}}, map[int64]Enterprise{3: {USCC: "91500120MA5U000000", Name: "某公司"}})
	cell := func(h string) string { return row[slices.Index(header, h)] }
	if len(row) != len(header) || cell("编号(系统)") != "42" || cell("性别") != "女" || cell("出生日期") != "1990" ||
		cell("身份证号") != "500120********0024" || cell("学历") != "硕士" || cell("职称") != "无" || cell("技能等级") != "技师" ||
		cell("人才计划/荣誉") != "璧山工匠(2020)" || cell("年薪(元)") != "123456.78" || cell("状态") != "已入库" ||
		cell("人才类别") != "B类" || cell("企业名称") != "某公司" || cell("认定规则") != "D1,D3" {
		t.Errorf("export row %q", row)
	}
}
