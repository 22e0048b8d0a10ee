package talent

import (
	"context"
	"io"
	"strings"

	"talentd/internal/auth"
	"talentd/internal/govid"
	"talentd/internal/tabular"
	"talentd/internal/vocab"
)

// templateColumn is what the import template says about one column: how a cell is checked in
// Excel, how to fill it in, and the example row's value.
type templateColumn struct {
	field string
	kind  tabular.ColumnKind
	// list gives the drop-down choices; strict refuses any other value in Excel.
	list   *vocab.List
	strict bool
	// min and max bound a whole-number column.
	min, max int
	// format says how to fill the column in, for the instruction sheet and the cell's hint.
	format  string
	example string
}

// exampleIDNumber is the example row's identity number: checksum-valid, so the example shows what
// a real one looks like, but recognisably a sample (born 1 January 1990, sequence 001). An upload
// skips the example row left in as it is, and refuses any other row with this number.
var exampleIDNumber = func() string {
	first17 := "50012019900101001"
	check, err := govid.IDCheckChar(first17)
	if err != nil {
		panic(err)
	}
	return first17 + string(check)
}()

// templateColumns are the template's columns in order. The credit-code column is the office's
// only: HR's rows always belong to its own enterprise.
var templateColumns = []templateColumn{
	{field: "name", format: "与身份证一致的姓名", example: "张三（示例）"},
	{field: "gender", list: GenderVocab, strict: true, format: "男 或 女；可不填，按身份证号自动识别", example: "男"},
	{field: "birth_date", kind: tabular.DateColumn, format: "日期，如 1990-01-01；可不填，按身份证号自动识别", example: "1990-01-01"},
	{field: "id_number", format: "18 位居民身份证号码，末位 X 大写；单元格须为文本格式，以免末三位变成 0", example: exampleIDNumber},
	{field: "mobile", format: "11 位手机号码", example: "13800000000"},
	{field: "email", format: "电子邮箱地址", example: "zhangsan@example.com"},
	{field: "enterprise_uscc", format: "所在企业的 18 位统一社会信用代码，企业须已在系统登记；非企业人才不填"},
	{field: "position", format: "现任职务或岗位", example: "研发总监"},
	{field: "education", list: EducationVocab, strict: true, format: "从下拉列表选择最高学历", example: "博士"},
	{field: "school", format: "最高学历的毕业院校", example: "重庆大学"},
	{field: "major", format: "所学专业", example: "机械工程"},
	{field: "graduation_year", kind: tabular.WholeColumn, min: 1940, max: 2100, format: "四位年份，如 2018", example: "2018"},
	{field: "title", list: TitleVocab, strict: true, format: "从下拉列表选择专业技术职称；没有请选“无”或不填", example: "正高级"},
	{field: "skill_level", list: SkillLevelVocab, strict: true, format: "从下拉列表选择职业技能等级；没有请选“无”或不填", example: "无"},
	{field: "honours", list: HonourVocab, format: "从下拉列表选择；有年份的写在括号里，多项用“；”分隔，如 璧山英才(2021)；重庆英才计划", example: "璧山英才(2021)"},
	{field: "annual_salary", format: "税前年薪，单位元，如 350000、350000.50 或 35万；最多精确到分", example: "350000"},
	{field: "field", format: "所属行业或领域", example: "智能装备"},
	{field: "arrived_on", kind: tabular.DateColumn, format: "来璧山工作的日期，如 2021-03-01", example: "2021-03-01"},
	{field: "notes", format: "其他需要说明的情况", example: "示例行，上传前请删除"},
}

// templateFor lists the template columns for the caller's scope.
func templateFor(scope auth.Scope) []templateColumn {
	out := make([]templateColumn, 0, len(templateColumns))
	for _, c := range templateColumns {
		if c.field == "enterprise_uscc" && !scope.All() {
			continue
		}
		out = append(out, c)
	}
	return out
}

// header is the column's header in the template: its label, with a star when it is required.
func (c templateColumn) header() string {
	ic := columnOf(c.field)
	if ic.required {
		return ic.label + "*"
	}
	return ic.label
}

// choices lists the column's allowed values in Chinese ("" for none).
func (c templateColumn) choices() []string {
	if c.list == nil {
		return nil
	}
	return nonEmpty(c.list.Labels())
}

// isExample tells whether a row is the template's example row left as it is, and whether it at
// least carries the example's identity number.
func (rp *rowParser) isExample(cells []string) (exact, usesExampleID bool) {
	id, _ := rp.cell(cells, "id_number")
	if !strings.EqualFold(id, exampleIDNumber) {
		return false, false
	}
	examples := map[string]string{}
	for _, c := range templateColumns {
		examples[c.field] = c.example
	}
	for field := range rp.cols {
		if v, _ := rp.cell(cells, field); v != examples[field] {
			return false, true
		}
	}
	return true, true
}

// Instruction sheet texts.
const (
	templateSheet       = "人才信息"
	instructionsSheet   = "填写说明"
	templateExampleNote = "第 2 行是示例，上传前请删除或改为真实人员信息；原样保留的示例行在导入时会被跳过。"
)

// templateLayout is the workbook the import template is, for the caller's scope.
func templateLayout(scope auth.Scope) tabular.Template {
	cols := templateFor(scope)
	t := tabular.Template{Sheet: templateSheet, ExampleNote: templateExampleNote, InstructionsSheet: instructionsSheet,
		Instructions: [][]string{{"列名", "是否必填", "填写格式", "可选值", "示例"}}}
	for _, c := range cols {
		required := columnOf(c.field).required
		t.Columns = append(t.Columns, tabular.TemplateColumn{Header: c.header(), Required: required, Kind: c.kind,
			Choices: c.choices(), Strict: c.strict, Min: c.min, Max: c.max, Prompt: c.format, Error: c.errorText()})
		t.Example = append(t.Example, c.example)
		need := "选填"
		if required {
			need = "必填"
		}
		t.Instructions = append(t.Instructions, []string{columnOf(c.field).label, need, c.format,
			strings.Join(c.choices(), "、"), c.example})
	}
	t.Instructions = append(t.Instructions, []string{}, []string{"注意事项"},
		[]string{"1. 表头带 * 的列必须填写；表头文字请勿修改，列的顺序可以调整，不需要的选填列可以删除。"},
		[]string{"2. 第 2 行是示例，上传前请删除或改为真实人员信息；原样保留的示例行在导入时会被跳过。"},
		[]string{"3. 身份证号请以文本格式填写，避免 Excel 把它变成科学计数法或把末三位变成 0。"},
		[]string{"4. 上传时系统逐行检查；默认有一行出错则整个文件都不导入，请按错误清单修改后重新上传。"},
		[]string{"5. 同一人再次上传会更新其草稿，不会重复登记；要修改已有记录，请先导出，在导出文件中修改后上传（保留“编号(系统)”列）。"},
	)
	return t
}

// errorText is what Excel says when a cell breaks the column's rule.
func (c templateColumn) errorText() string {
	switch {
	case c.list != nil && c.strict:
		return "请从下拉列表中选择：" + strings.Join(c.choices(), "、")
	case c.list != nil:
		return "不在下拉列表中。如需填写年份或多项，请按“璧山英才(2021)；重庆英才计划”的格式；确认无误请点“是”。"
	case c.kind == tabular.DateColumn:
		return "请填写日期，如 2020-06-30"
	case c.kind == tabular.WholeColumn:
		return "请填写四位年份，如 2018"
	}
	return ""
}

// writeTemplate writes the import template for the caller's scope: a workbook with drop-down
// lists and instructions, or a CSV file of the header and the example row.
func writeTemplate(w io.Writer, scope auth.Scope, format, encoding string) error {
	t := templateLayout(scope)
	if format == "xlsx" {
		return tabular.WriteTemplate(w, t)
	}
	header := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = c.Header
	}
	out, err := tabular.NewRowWriter(w, format, encoding, templateSheet, header)
	if err == nil {
		err = out.WriteRow(t.Example)
	}
	if err == nil {
		err = out.Close()
	}
	return err
}

// ImportTemplate writes the import template for the caller to w (format "xlsx" or "csv";
// encoding "gbk" for a CSV old Excel opens). Only the roles that import may have it.
func (s *Service) ImportTemplate(ctx context.Context, w io.Writer, format, encoding string) error {
	_, scope, err := editorScope(ctx, editorRoles...)
	if err != nil {
		return err
	}
	return writeTemplate(w, scope, format, encoding)
}
