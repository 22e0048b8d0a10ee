package tabular

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func sampleTemplate() Template {
	return Template{
		Sheet: "名单",
		Columns: []TemplateColumn{
			{Header: "姓名*", Required: true, Prompt: "与身份证一致"},
			{Header: "学历*", Required: true, Choices: []string{"博士", "硕士"}, Strict: true, Error: "请从下拉列表中选择"},
			{Header: "荣誉", Choices: []string{"院士", "璧山英才"}, Error: "不在列表中"},
			{Header: "出生日期", Kind: DateColumn, Prompt: "如 1990-01-01", Error: "请填写日期"},
			{Header: "毕业年份", Kind: WholeColumn, Min: 1940, Max: 2100, Error: "请填写四位年份"},
			{Header: "身份证号"},
		},
		Example:           []string{"张三（示例）", "博士", "璧山英才(2021)", "1990-01-01", "2018", "500120199001010011"},
		ExampleNote:       "示例行",
		InstructionsSheet: "说明",
		Instructions:      [][]string{{"列名", "说明"}, {"姓名", "必填"}},
	}
}

func TestWriteTemplate(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTemplate(&buf, sampleTemplate()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"名单", "说明"}) {
		t.Errorf("sheets %v", got)
	}
	dvs, err := f.GetDataValidations("名单")
	if err != nil {
		t.Fatal(err)
	}
	byColumn := map[string]*excelize.DataValidation{}
	for _, dv := range dvs {
		byColumn[dv.Sqref[:1]] = dv
		if !strings.HasSuffix(dv.Sqref, "1048576") || !strings.HasPrefix(dv.Sqref[1:], "2:") {
			t.Errorf("rule on %s: want rows 2 to the last", dv.Sqref)
		}
	}
	check := func(col, kind, formula1, style string) {
		t.Helper()
		dv := byColumn[col]
		switch {
		case dv == nil:
			t.Errorf("column %s has no rule", col)
		case dv.Type != kind || dv.Formula1 != formula1:
			t.Errorf("column %s: %s %s", col, dv.Type, dv.Formula1)
		case style != "" && (dv.ErrorStyle == nil || *dv.ErrorStyle != style || dv.Error == nil || *dv.Error == ""):
			t.Errorf("column %s: error style %v", col, dv.ErrorStyle)
		}
	}
	check("A", "", "", "")
	check("B", "list", `"博士,硕士"`, "stop")
	check("C", "list", `"院士,璧山英才"`, "warning")
	check("D", "date", "61", "stop")
	check("E", "whole", "1940", "stop")
	if _, ok := byColumn["F"]; ok {
		t.Error("a free column without a hint got a rule")
	}
	if dv := byColumn["A"]; dv == nil || dv.Prompt == nil || *dv.Prompt != "与身份证一致" {
		t.Error("the hint of column A is missing")
	}
	if dv := byColumn["E"]; dv == nil || dv.Formula2 != "2100" {
		t.Error("the year range is wrong")
	}
	panes, err := f.GetPanes("名单")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("header not frozen: %+v %v", panes, err)
	}
	comments, err := f.GetComments("名单")
	if err != nil || len(comments) != 1 || comments[0].Cell != "A2" {
		t.Errorf("example note: %+v %v", comments, err)
	}
	style, err := f.GetCellStyle("名单", "A1")
	if err != nil {
		t.Fatal(err)
	}
	if s, err := f.GetStyle(style); err != nil || s.Font == nil || !s.Font.Bold || !strings.EqualFold(s.Font.Color, "C00000") && !strings.EqualFold(s.Font.Color, "#C00000") {
		t.Errorf("required header style: %+v %v", s, err)
	}
	if v, _ := f.GetCellValue("说明", "B2"); v != "必填" {
		t.Errorf("instructions: %q", v)
	}

	// The template reads back as it was written: the date and the year as the clerk sees them.
	rd, err := Open(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if !slices.Equal(rd.Header(), []string{"姓名*", "学历*", "荣誉", "出生日期", "毕业年份", "身份证号"}) {
		t.Errorf("header %v", rd.Header())
	}
	row, err := rd.Next()
	if err != nil || !slices.Equal(row.Cells, sampleTemplate().Example) {
		t.Errorf("example row %v %v", row.Cells, err)
	}
}

func TestWriteTemplate_Refuses(t *testing.T) {
	long := sampleTemplate()
	long.Columns[1].Choices = []string{strings.Repeat("长", 300)}
	if err := WriteTemplate(&bytes.Buffer{}, long); err == nil {
		t.Error("a drop-down list beyond Excel's 255 characters was written")
	}
	wide := sampleTemplate()
	wide.Example = append(wide.Example, "x")
	if err := WriteTemplate(&bytes.Buffer{}, wide); err == nil {
		t.Error("an example row longer than the header was written")
	}
}
