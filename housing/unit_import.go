package housing

import (
	"regexp"
	"strconv"
	"strings"

	"talentd/internal/errs"
	"talentd/internal/money"
	"talentd/talent"
)

// unitColumn is one column of a unit import: the field it fills, its Chinese header, the other
// headers clerks write for it, and whether every row must fill it.
type unitColumn struct {
	field    string
	header   string
	aliases  []string
	required bool
}

// unitImportColumns are the columns of a unit import and its template, in the template's order.
var unitImportColumns = []unitColumn{
	{field: "estate", header: "小区", aliases: []string{"小区名称", "estate"}, required: true},
	{field: "address", header: "小区地址", aliases: []string{"地址", "address"}},
	{field: "building", header: "楼栋", aliases: []string{"楼号", "栋", "building"}, required: true},
	{field: "number", header: "房号", aliases: []string{"房间号", "number"}, required: true},
	{field: "floor", header: "楼层", aliases: []string{"floor"}, required: true},
	{field: "rooms", header: "户型", aliases: []string{"室数", "rooms"}, required: true},
	{field: "area", header: "面积", aliases: []string{"建筑面积", "area", "area_m2"}, required: true},
	{field: "kind", header: "类型", aliases: []string{"房源类型", "住房类型", "kind"}, required: true},
	{field: "rent", header: "月租金", aliases: []string{"租金", "monthly_rent"}, required: true},
}

// bracketed strips a unit note from a header: 面积(平方米), 月租金（元）, a required mark *.
var bracketed = regexp.MustCompile(`[（(][^）)]*[）)]|\*`)

// headerKey is a header as it is matched: without notes, spaces or case.
func headerKey(h string) string {
	return strings.ToLower(strings.Join(strings.Fields(bracketed.ReplaceAllString(h, "")), ""))
}

// mapUnitHeader finds each field's column in the header; it reports unknown, repeated and
// missing columns.
func mapUnitHeader(header []string) (map[string]int, []*errs.Error) {
	byKey := map[string]string{}
	for _, c := range unitImportColumns {
		for _, name := range append([]string{c.header}, c.aliases...) {
			byKey[headerKey(name)] = c.field
		}
	}
	cols := map[string]int{}
	var problems []*errs.Error
	for i, h := range header {
		if strings.TrimSpace(h) == "" {
			continue
		}
		field, ok := byKey[headerKey(h)]
		switch {
		case !ok:
			problems = append(problems, errs.Newf(errs.Invalid, "unknown_column", "第 %[1]d 列的表头“%[2]s”不是房源导入的列，请对照导入模板修改",
				"column %[1]d, %[2]q, is not a column of the unit import", i+1, h))
		case cols[field] != 0:
			problems = append(problems, errs.Newf(errs.Invalid, "duplicate_column", "表头“%[2]s”（第 %[1]d 列）重复出现",
				"column %[1]d, %[2]q, repeats another column", i+1, h))
		default:
			cols[field] = i + 1 // 1-based, so that 0 means absent
		}
	}
	for _, c := range unitImportColumns {
		if c.required && cols[c.field] == 0 {
			problems = append(problems, errs.Newf(errs.Invalid, "missing_column", "缺少必填列“%s”",
				"the required column %q is missing", c.header))
		}
	}
	for f, i := range cols {
		cols[f] = i - 1
	}
	return cols, problems
}

// importedUnit is one data row of a unit import, parsed.
type importedUnit struct {
	line    int
	estate  string
	address string
	in      UnitInput
}

// cellProblem is one bad cell of a row.
type cellProblem struct {
	column string
	value  string
	err    *errs.Error
}

// chineseRooms reads room counts written in words.
var chineseRooms = map[string]int{"单间": 0, "开间": 0, "studio": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
	"六": 6, "七": 7, "八": 8, "九": 9, "十": 10}

// leadingRooms takes the room count from 2, 2室, 2室1厅, 两室一厅, 单间.
var leadingRooms = regexp.MustCompile(`^([0-9]+|[一二两三四五六七八九十])(室|房|居)?`)

func parseRooms(s string) (int, bool) {
	if n, ok := chineseRooms[strings.ToLower(s)]; ok {
		return n, true
	}
	m := leadingRooms.FindStringSubmatch(s)
	if m == nil || (len(m[0]) != len(s) && m[2] == "") {
		return 0, false
	}
	if n, ok := chineseRooms[m[1]]; ok {
		return n, true
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil && n <= 10
}

// areaUnits are the unit marks a clerk may write after an area.
var areaUnits = strings.NewReplacer("平方米", "", "平米", "", "㎡", "", "m²", "", "m2", "", "M2", "", " ", "")

func parseArea(s string) (float64, bool) {
	a, err := strconv.ParseFloat(areaUnits.Replace(s), 64)
	return a, err == nil && a > 0 && a < 10000
}

// parseUnitRow reads one data row; every bad cell is reported.
func parseUnitRow(cols map[string]int, header, cells []string, line int) (importedUnit, []cellProblem) {
	cell := func(field string) (string, string) {
		i, ok := cols[field]
		if !ok {
			return "", ""
		}
		return header[i], strings.TrimSpace(cells[i])
	}
	u := importedUnit{line: line}
	var problems []cellProblem
	bad := func(column, value, code, zh, en string) {
		problems = append(problems, cellProblem{column: column, value: value, err: errs.New(errs.Invalid, code, zh, en)})
	}
	var col, v string
	for _, c := range unitImportColumns {
		if col, v = cell(c.field); c.required && v == "" {
			bad(col, v, "required", "“"+c.header+"”必须填写", c.header+" is required")
		}
	}
	_, u.estate = cell("estate")
	if len([]rune(u.estate)) > 100 {
		bad(header[cols["estate"]], u.estate, "too_long", "小区名称不能超过 100 个字", "the estate's name is longer than 100 characters")
	}
	_, u.address = cell("address")
	if len([]rune(u.address)) > 200 {
		bad(header[cols["address"]], u.address, "too_long", "地址不能超过 200 个字", "the address is longer than 200 characters")
	}
	col, u.in.Building = cell("building")
	if len([]rune(u.in.Building)) > 20 {
		bad(col, u.in.Building, "too_long", "楼栋不能超过 20 个字", "the building is longer than 20 characters")
	}
	col, u.in.Number = cell("number")
	if len([]rune(u.in.Number)) > 20 {
		bad(col, u.in.Number, "too_long", "房号不能超过 20 个字", "the number is longer than 20 characters")
	}
	if col, v = cell("floor"); v != "" {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(v, "层"), "楼"))
		if err != nil || n < -5 || n > 200 {
			bad(col, v, "bad_floor", "楼层应为 -5 到 200 之间的整数", "the floor is a whole number from -5 to 200")
		}
		u.in.Floor = n
	}
	if col, v = cell("rooms"); v != "" {
		n, ok := parseRooms(v)
		if !ok {
			bad(col, v, "bad_rooms", "户型应写室数，如 2、2室1厅或单间（0 到 10 室）", "rooms as 2, 2室1厅 or 单间 (0 to 10)")
		}
		u.in.Rooms = n
	}
	if col, v = cell("area"); v != "" {
		a, ok := parseArea(v)
		if !ok {
			bad(col, v, "bad_area", "面积应为大于 0、小于 10000 的平方米数，如 68.5", "the area in m², above 0 and below 10,000")
		}
		u.in.AreaM2 = a
	}
	if col, v = cell("kind"); v != "" {
		k, ok := KindVocab.Parse(v)
		if !ok {
			bad(col, v, "unknown_value", "类型只能填“人才公寓”或“公租房”", "the kind is 人才公寓 (talent apartment) or 公租房 (public rental)")
		}
		u.in.Kind = Kind(k)
	}
	if col, v = cell("rent"); v != "" {
		f, err := money.Parse(v)
		if err != nil || f < 0 || f > 100000000 {
			bad(col, v, "bad_amount", "月租金应为 0 到 100 万元之间的金额（元），如 1200 或 1,200.50",
				"the monthly rent in yuan, from 0 to 1,000,000")
		}
		u.in.MonthlyRentFen = f
	}
	return u, problems
}

// UnitImportResult reports what a unit import did, or (when all-or-nothing refused it) the
// problems that stopped it, with every count zero.
type UnitImportResult struct {
	Created        int                  `json:"created" doc:"New units"`
	Updated        int                  `json:"updated" doc:"Units (the same estate, building and number) the file changed"`
	Unchanged      int                  `json:"unchanged" doc:"Rows that match their unit as it stands"`
	EstatesCreated int                  `json:"estates_created" doc:"Estates named by the file that did not exist yet"`
	ErrorRows      int                  `json:"error_rows" doc:"Rows with at least one problem (not imported)"`
	Errors         []talent.ImportError `json:"errors" doc:"The problems, row by row (at most 1000 listed)"`
	Format         string               `json:"format,omitempty" doc:"csv or xlsx"`
	Encoding       string               `json:"encoding,omitempty" doc:"The detected text encoding of a CSV file"`
}

// maxUnitImportErrors bounds the error report; ErrorRows still counts every bad row.
const maxUnitImportErrors = 1000

// unitReport collects an import's problems in the reader's language.
type unitReport struct {
	UnitImportResult
	badRows map[int]bool
	lang    string
}

func (r *unitReport) add(row int, column, value string, e *errs.Error) {
	if !r.badRows[row] {
		r.badRows[row] = true
		r.ErrorRows++
	}
	if len(r.Errors) < maxUnitImportErrors {
		r.Errors = append(r.Errors, talent.ImportError{Row: row, Column: column, Value: value, Code: e.Code, Message: e.In(r.lang)})
	}
}

// refused is the report of an import that wrote nothing.
func (r *unitReport) refused() UnitImportResult {
	out := r.UnitImportResult
	out.Created, out.Updated, out.Unchanged, out.EstatesCreated = 0, 0, 0, 0
	return out
}
