package talent_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"talentd/internal/auth"
	"talentd/internal/govid"
	"talentd/internal/tabular"
	"talentd/internal/vocab"
	"talentd/talent"
)

// importTemplate downloads the import template as p, opened with excelize.
func importTemplate(t *testing.T, s *talent.Service, p auth.Principal) (*excelize.File, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := s.ImportTemplate(auth.WithPrincipal(context.Background(), p), &buf, "xlsx", ""); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, buf.Bytes()
}

// header reads the first row of the data sheet.
func header(t *testing.T, f *excelize.File) []string {
	t.Helper()
	rows, err := f.GetRows("人才信息")
	if err != nil || len(rows) < 2 {
		t.Fatalf("data sheet: %v %v", rows, err)
	}
	return rows[0]
}

func TestImportTemplate_Layout(t *testing.T) {
	t.Parallel()
	s := newService(t)
	f, _ := importTemplate(t, s, office)
	if got := f.GetSheetList(); !slices.Equal(got, []string{"人才信息", "填写说明"}) {
		t.Fatalf("sheets %v", got)
	}
	head := header(t, f)
	for _, required := range []string{"姓名*", "身份证号*", "学历*"} {
		if !slices.Contains(head, required) {
			t.Errorf("header %v lacks %s", head, required)
		}
	}
	if slices.Contains(head, "编号(系统)") || !slices.Contains(head, "统一社会信用代码") {
		t.Errorf("office header %v", head)
	}

	// Every coded column has a drop-down list of its vocabulary's Chinese labels, and says in
	// Chinese what is wrong with a value typed outside it.
	dvs, err := f.GetDataValidations("人才信息")
	if err != nil {
		t.Fatal(err)
	}
	rule := map[string]*excelize.DataValidation{}
	for _, dv := range dvs {
		col, _, _ := strings.Cut(dv.Sqref, "2:")
		n, err := excelize.ColumnNameToNumber(col)
		if err != nil {
			t.Fatal(err)
		}
		rule[head[n-1]] = dv
	}
	lists := map[string]*vocab.List{"性别": talent.GenderVocab, "学历*": talent.EducationVocab, "职称": talent.TitleVocab,
		"技能等级": talent.SkillLevelVocab, "人才计划/荣誉": talent.HonourVocab}
	for column, list := range lists {
		dv := rule[column]
		want := `"` + strings.Join(list.Labels(), ",") + `"`
		if dv == nil || dv.Type != "list" || dv.Formula1 != want || dv.Error == nil || !strings.Contains(*dv.Error, list.Labels()[0]) &&
			!strings.Contains(*dv.Error, "璧山英才(2021)") {
			t.Errorf("%s: rule %+v, want the list %s", column, dv, want)
		}
	}
	for column, kind := range map[string]string{"出生日期": "date", "来璧时间": "date", "毕业年份": "whole"} {
		if dv := rule[column]; dv == nil || dv.Type != kind || dv.Prompt == nil || *dv.Prompt == "" {
			t.Errorf("%s: rule %+v, want %s with a hint", column, dv, kind)
		}
	}
	if dv := rule["毕业年份"]; dv == nil || dv.Formula1 != "1940" || dv.Formula2 != "2100" {
		t.Errorf("毕业年份: %+v", dv)
	}
	if panes, err := f.GetPanes("人才信息"); err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("header not frozen: %+v", panes)
	}
	if w, err := f.GetColWidth("人才信息", "D"); err != nil || w < 18 {
		t.Errorf("identity number column width %v", w)
	}

	// The example row is a checksum-valid identity number, marked as an example.
	rows, _ := f.GetRows("人才信息")
	example := rows[1][slices.Index(head, "身份证号*")]
	if _, err := govid.ParseIDNumber(example); err != nil || !strings.Contains(rows[1][0], "示例") {
		t.Errorf("example row %v: %v", rows[1], err)
	}
	if comments, err := f.GetComments("人才信息"); err != nil || len(comments) != 1 || !strings.Contains(comments[0].Text, "示例") {
		t.Errorf("example note %+v %v", comments, err)
	}

	// The instructions list every column, whether it is required, and its allowed values.
	guide, err := f.GetRows("填写说明")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(guide[0], []string{"列名", "是否必填", "填写格式", "可选值", "示例"}) {
		t.Errorf("instructions header %v", guide[0])
	}
	for i, h := range head {
		line := guide[i+1]
		if line[0] != strings.TrimSuffix(h, "*") || (line[1] == "必填") != strings.HasSuffix(h, "*") || line[2] == "" {
			t.Errorf("instructions for %s: %v", h, line)
		}
	}
	if line := guide[slices.Index(head, "学历*")+1]; line[3] != "博士、硕士、本科、大专、其他" {
		t.Errorf("instructions for 学历: %v", line)
	}

	// HR's template has no credit-code column: its rows are its own enterprise's.
	hr, _ := importTemplate(t, s, auth.Principal{Username: "hr", Role: auth.RoleEnterpriseHR, EnterpriseID: 1})
	if slices.Contains(header(t, hr), "统一社会信用代码") {
		t.Error("HR's template has the credit-code column")
	}
	if err := s.ImportTemplate(auth.WithPrincipal(context.Background(), auth.Principal{Username: "fin", Role: auth.RoleFinance}),
		&bytes.Buffer{}, "xlsx", ""); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("finance got the template: %v", err)
	}
}

// TestImportTemplate_Uploads: the template uploads as it is (the example row skipped), and with
// the example replaced by a person, imports that person.
func TestImportTemplate_Uploads(t *testing.T) {
	t.Parallel()
	s := newService(t)
	ctx := auth.WithPrincipal(context.Background(), office)
	f, untouched := importTemplate(t, s, office)
	res, err := s.ImportTalents(ctx, untouched, false)
	if err != nil || res.Created != 0 || res.ErrorRows != 0 {
		t.Fatalf("untouched template: %+v %v", res, err)
	}
	var csvTemplate bytes.Buffer
	if err := s.ImportTemplate(ctx, &csvTemplate, "csv", "gbk"); err != nil {
		t.Fatal(err)
	}
	if res, err := s.ImportTalents(ctx, csvTemplate.Bytes(), false); err != nil || res.Created != 0 || res.ErrorRows != 0 {
		t.Fatalf("untouched CSV template: %+v %v", res, err)
	}

	// The example's identity number with another name is refused, saying why.
	head := header(t, f)
	cell := func(column string) string {
		ref, _ := excelize.CoordinatesToCellName(slices.Index(head, column)+1, 2)
		return ref
	}
	if err := f.SetCellStr("人才信息", cell("姓名*"), "李四"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	res, err = s.ImportTalents(ctx, buf.Bytes(), false)
	if !errors.Is(err, talent.ErrImportRefused) || len(res.Errors) != 1 || res.Errors[0].Code != "example_row" {
		t.Errorf("example number with another name: %+v %v", res, err)
	}

	// A real person typed over the example imports.
	gen := talent.NewGenerator(5)
	in := gen.Talent(talent.GradeC, nil)
	for column, value := range map[string]string{"姓名*": in.Name, "身份证号*": in.IDNumber, "出生日期": "", "性别": "",
		"学历*": "博士", "人才计划/荣誉": "璧山英才(2020)；重庆英才计划", "年薪(元)": "35.5万", "备注": ""} {
		if err := f.SetCellStr("人才信息", cell(column), value); err != nil {
			t.Fatal(err)
		}
	}
	buf.Reset()
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	res, err = s.ImportTalents(ctx, buf.Bytes(), false)
	if err != nil || res.Created != 1 {
		t.Fatalf("filled template: %+v %v", res, err)
	}
	found, err := s.SearchTalents(ctx, talent.TalentFilter{Query: in.IDNumber}, "", 10, false)
	if err != nil || len(found.Items) != 1 {
		t.Fatalf("imported person: %+v %v", found, err)
	}
	got := found.Items[0]
	if got.Education != "doctorate" || got.Title != "senior_full" || got.AnnualSalaryFen != 35_500_000 || len(got.Honours) != 2 ||
		got.Position != "研发总监" || got.ArrivedOn.String() != "2021-03-01" || got.GraduationYear == nil || *got.GraduationYear != 2018 {
		t.Errorf("imported %+v", got)
	}
	if _, err := tabular.Open(buf.Bytes()); err != nil {
		t.Error(err)
	}
}
