package housing

import (
	"context"
	"io"
	"slices"

	"talentd/internal/auth"
	"talentd/internal/tabular"
)

// unitTemplateExample is the template's example row; the import skips it when left as it is.
var unitTemplateExample = []string{"璧泉人才公寓", "璧山区璧泉街道双星大道 8 号", "3栋", "1502", "15", "2室1厅", "68.5", "人才公寓", "1200"}

// unitTemplate is the layout of the unit import workbook.
func unitTemplate() tabular.Template {
	kinds := KindVocab.Labels()
	return tabular.Template{
		Sheet: "房源信息",
		Columns: []tabular.TemplateColumn{
			{Header: "小区", Required: true, Prompt: "小区名称；系统中没有的小区会自动添加"},
			{Header: "小区地址", Prompt: "新小区的地址（已有小区可不填）"},
			{Header: "楼栋", Required: true, Prompt: "如 3栋"},
			{Header: "房号", Required: true, Prompt: "如 1502；同一小区同一楼栋的房号不能重复"},
			{Header: "楼层", Required: true, Kind: tabular.WholeColumn, Min: -5, Max: 200, Prompt: "整数，地下层填负数",
				Error: "楼层应为 -5 到 200 之间的整数"},
			{Header: "户型", Required: true, Prompt: "室数：2、2室1厅或单间"},
			{Header: "面积(平方米)", Required: true, Prompt: "建筑面积，如 68.5"},
			{Header: "类型", Required: true, Choices: kinds, Strict: true, Prompt: "人才公寓或公租房", Error: "请从下拉列表中选择"},
			{Header: "月租金(元)", Required: true, Prompt: "优惠前的月租金，单位元，如 1200"},
		},
		Example:           unitTemplateExample,
		ExampleNote:       "示例行：导入时原样保留的示例行会被跳过",
		InstructionsSheet: "填写说明",
		Instructions: [][]string{
			{"列", "说明"},
			{"小区", "必填。系统中没有的小区会按名称自动添加。"},
			{"楼栋、房号", "必填。同一小区、楼栋和房号的房源已存在时，按本行更新；已配租或在租的房源不能更改类型。"},
			{"楼层", "必填，整数。"},
			{"户型", "必填，填室数：2、2室1厅、两室一厅或单间（0 室）。"},
			{"面积(平方米)", "必填，大于 0，最多两位小数。"},
			{"类型", "必填：人才公寓或公租房。"},
			{"月租金(元)", "必填，优惠前的月租金，如 1200 或 1,200.50。"},
		},
	}
}

// UnitImportTemplate writes the unit import template to w: "xlsx" (with drop-down lists and
// hints) or "csv" (header and example row; encoding "gbk" for old Excel).
func (s *Service) UnitImportTemplate(ctx context.Context, w io.Writer, format, encoding string) error {
	if _, err := auth.Require(ctx, housingRoles...); err != nil {
		return err
	}
	t := unitTemplate()
	if format == "xlsx" {
		return tabular.WriteTemplate(w, t)
	}
	enc := tabular.UTF8BOM
	if encoding == "gbk" {
		enc = tabular.GB18030
	}
	cw := tabular.NewCSVWriter(w, enc)
	header := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = c.Header
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	if err := cw.Write(t.Example); err != nil {
		return err
	}
	return cw.Flush()
}

// isUnitTemplateExample reports whether a row is the template's example, left as it was.
func isUnitTemplateExample(cells []string) bool {
	return slices.Equal(cells, unitTemplateExample)
}
