package tabular

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"
)

// baseWorkbook is a small, genuine workbook (as excelize writes it, with a
// theme, document properties and a header row) for the crafted files to
// replace parts of.
var baseWorkbook = sync.OnceValue(func() []byte {
	f := excelize.NewFile()
	defer f.Close()
	_ = f.SetSheetRow("Sheet1", "A1", &[]string{"姓名", "身份证号", "学历"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]string{"张伟", "11010119900307663X", "博士"})
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		panic(err)
	}
	return buf.Bytes()
})

// repeated is a part whose body is head, then unit n times, then tail:
// the shape of every XML bomb.
type repeated struct {
	head, unit, tail string
	n                int
}

// body writes the content of one part of a crafted workbook.
type body interface{ writeTo(w io.Writer) error }

// bodyFunc adapts a function to body.
type bodyFunc func(w io.Writer) error

func (f bodyFunc) writeTo(w io.Writer) error { return f(w) }

func (r repeated) writeTo(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	_, _ = bw.WriteString(r.head)
	for range r.n {
		_, _ = bw.WriteString(r.unit)
	}
	_, _ = bw.WriteString(r.tail)
	return bw.Flush()
}

// craft copies base, replacing (or adding) the named parts with generated
// bodies, deflated as any zip tool would (repeated ones by deflate, which is
// quicker).
func craft(tb testing.TB, base []byte, parts map[string]body) []byte {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if _, ok := parts[f.Name]; ok {
			continue
		}
		raw, err := f.OpenRaw()
		if err != nil {
			tb.Fatal(err)
		}
		w, err := zw.CreateRaw(&f.FileHeader)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := io.Copy(w, raw); err != nil {
			tb.Fatal(err)
		}
	}
	names := make([]string, 0, len(parts))
	for name := range parts {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if r, ok := parts[name].(repeated); ok {
			fh, data := r.deflate(tb)
			fh.Name = name
			w, err := zw.CreateRaw(fh)
			if err != nil {
				tb.Fatal(err)
			}
			if _, err := w.Write(data); err != nil {
				tb.Fatal(err)
			}
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			tb.Fatal(err)
		}
		if err := parts[name].writeTo(w); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// deflate compresses r in the time it takes to compress a megabyte, however
// large r is: a deflate stream may be cut into runs of blocks that each
// refer only to their own bytes, so the compressed form of a run of units is
// computed once and repeated. The result is what a zip tool would write, a
// little larger.
func (r repeated) deflate(tb testing.TB) (*zip.FileHeader, []byte) {
	tb.Helper()
	var (
		out  bytes.Buffer
		crc  uint32
		size uint64
	)
	segment := func(text string, last bool) []byte {
		var b bytes.Buffer
		fw, err := flate.NewWriter(&b, flate.BestCompression)
		if err != nil {
			tb.Fatal(err)
		}
		_, _ = fw.Write([]byte(text))
		if last {
			err = fw.Close()
		} else {
			err = fw.Flush()
		}
		if err != nil {
			tb.Fatal(err)
		}
		return b.Bytes()
	}
	add := func(text string, compressed []byte, times int) {
		for range times {
			out.Write(compressed)
			crc = crc32.Update(crc, crc32.IEEETable, []byte(text))
			size += uint64(len(text))
		}
	}
	add(r.head, segment(r.head, false), 1)
	per := max(1, (1<<20)/max(1, len(r.unit)))
	if r.n >= per {
		run := strings.Repeat(r.unit, per)
		add(run, segment(run, false), r.n/per)
	}
	if rest := strings.Repeat(r.unit, r.n%per); rest != "" {
		add(rest, segment(rest, false), 1)
	}
	add(r.tail, segment(r.tail, true), 1)
	return &zip.FileHeader{Method: zip.Deflate, CRC32: crc, CompressedSize64: uint64(out.Len()), UncompressedSize64: size}, out.Bytes()
}

const (
	nsMain     = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	sheetPart  = "xl/worksheets/sheet1.xml"
	stylesPart = "xl/styles.xml"
	sstPart    = "xl/sharedStrings.xml"
	sheetHead  = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n<worksheet " + nsMain + `><sheetData>` +
		`<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="B1" t="inlineStr"><is><t>学历</t></is></c></row>`
	sheetTail = `</sheetData></worksheet>`
)

// sheetOf is a worksheet whose header row is followed by n copies of unit.
func sheetOf(unit string, n int) map[string]body {
	return map[string]body{sheetPart: repeated{head: sheetHead, unit: unit, n: n, tail: sheetTail}}
}

// sheetWith is a worksheet whose header row is followed by middle.
func sheetWith(middle repeated) map[string]body {
	middle.head = sheetHead + middle.head
	middle.tail += sheetTail
	return map[string]body{sheetPart: middle}
}

// workbookWith is a workbook part of n copies of unit inside head and tail.
func workbookWith(head, unit, tail string, n int) map[string]body {
	return map[string]body{"xl/workbook.xml": repeated{head: `<workbook ` + nsMain +
		` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` + head, unit: unit, n: n, tail: tail + `</workbook>`}}
}

// stylesWith is a style sheet of n copies of unit inside head and tail.
func stylesWith(head, unit, tail string, n int) map[string]body {
	return map[string]body{stylesPart: repeated{head: `<styleSheet ` + nsMain + `>` + head, unit: unit, n: n, tail: tail + `</styleSheet>`}}
}

// bomb is a crafted upload beyond one bound, as an attacker would send it: a
// workbook of a few hundred KiB that unpacks to far more, or a CSV file of a
// few MiB in one row.
type bomb struct {
	name string
	data func(tb testing.TB) []byte
	// kind is the error expected, msg a part of the message the clerk reads.
	kind error
	msg  string
}

// crafted is a bomb made of base with parts replaced.
func crafted(parts map[string]body) func(tb testing.TB) []byte {
	return func(tb testing.TB) []byte { return craft(tb, baseWorkbook(), parts) }
}

var xlsxBombs = []bomb{
	// The attack as reported: millions of cell formats in a few dozen KiB.
	{"StylesAsReported", crafted(stylesWith(`<cellXfs>`, `<xf/>`, `</cellXfs>`, 9_000_000)),
		ErrTooLarge, "its styles (xl/styles.xml) unpack to more than 32 MiB"},
	{"CellFormats", crafted(stylesWith(`<cellXfs>`, `<xf numFmtId="0"/>`, `</cellXfs>`, MaxCellFormats+1)),
		ErrTooLarge, "more than 65,536 cell formats (xl/styles.xml); copy the data into a new workbook"},
	// Several tables are one: excelize would decode them all.
	{"CellFormatTables", crafted(stylesWith(``, `<cellXfs><xf/><xf/><xf/><xf/></cellXfs>`, ``, MaxCellFormats/4+1)),
		ErrTooLarge, "more than 65,536 cell formats (xl/styles.xml)"},
	{"ResidentParts", crafted(map[string]body{"xl/worksheets/sheet2.xml": repeated{head: sheetHead, unit: `<row/>`, n: 150_000, tail: sheetTail},
		"xl/worksheets/sheet3.xml": repeated{head: sheetHead, unit: `<row/>`, n: 150_000, tail: sheetTail},
		"[Content_Types].xml":      repeated{head: `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`, unit: " ", n: 15 << 20, tail: `</Types>`}}),
		ErrTooLarge, "its workbook parts and small worksheets, which are held in memory, unpack to more than 16 MiB"},
	// excelize unpacks only worksheets named sheet… into temporary files.
	{"ResidentSheet", crafted(map[string]body{"xl/worksheets/data.xml": repeated{head: sheetHead, unit: `<row/>`, n: 3_000_000, tail: sheetTail}}),
		ErrTooLarge, "its workbook parts and small worksheets, which are held in memory, unpack to more than 16 MiB"},
	{"StylesPart", crafted(stylesWith(`<fonts>`, `<font><b/><i/><sz val="11"/><color rgb="FF000000"/><name val="宋体"/></font>`,
		`</fonts>`, 2_000_000)),
		ErrTooLarge, "its styles (xl/styles.xml) unpack to more than 32 MiB"},
	{"NumberFormats", crafted(stylesWith(`<numFmts>`, `<numFmt numFmtId="200" formatCode="0.00"/>`, `</numFmts>`, 100_000)),
		ErrTooLarge, "more than 1,024 number formats (xl/styles.xml)"},
	{"NumberFormat16", crafted(stylesWith(`<numFmts xmlns:x16r2="`+ns16+`"><numFmt numFmtId="200" formatCode="0" x16r2:formatCode16="`, `0`, `"/></numFmts>`, 100_000)),
		ErrTooLarge, "a number format in xl/styles.xml is longer than 1024 bytes"},
	{"NumberFormat", crafted(stylesWith(`<numFmts><numFmt numFmtId="200" formatCode="`, `0`, `"/></numFmts>`, 100_000)),
		ErrTooLarge, "a number format in xl/styles.xml is longer than 1024 bytes"},
	{"SharedStrings", crafted(map[string]body{sstPart: repeated{head: `<sst ` + nsMain + `>`, unit: `<si><t>x</t></si>`,
		n: 8_000_000, tail: `</sst>`}}),
		ErrTooLarge, "more than 524,288 distinct texts (xl/sharedStrings.xml); split the list, or save it as CSV and upload that"},
	{"SharedStringRuns", crafted(map[string]body{sstPart: repeated{head: `<sst ` + nsMain + `><si>`, unit: `<r><t>x</t></r>`,
		n: 8_000_000, tail: `</si></sst>`}}),
		ErrTooLarge, "shared string 1 in xl/sharedStrings.xml has more than 16,384 elements"},
	{"SharedStringText", crafted(map[string]body{sstPart: repeated{head: `<sst ` + nsMain + `><si>`, unit: `<r><t>` + strings.Repeat("x", 1000) + `</t></r>`,
		n: 10_000, tail: `</si></sst>`}}),
		ErrTooLarge, "shared string 1 in xl/sharedStrings.xml is longer than 1 MiB"},
	// One long shared string, and a row that refers to it again and again:
	// a small row that reads as megabytes.
	{"SharedStringFanOut", crafted(map[string]body{
		sstPart:   repeated{head: `<sst ` + nsMain + `><si><t>`, unit: "相", n: 300_000, tail: `</t></si></sst>`},
		sheetPart: repeated{head: sheetHead + `<row r="2">`, unit: `<c t="s"><v>0</v></c>`, n: 10, tail: `</row>` + sheetTail}}),
		ErrTooLarge, "row 2 of xl/worksheets/sheet1.xml holds more than 2 MiB of text"},
	// A value written oddly is charged as the longest string.
	{"SharedStringOddValue", crafted(map[string]body{
		sstPart:   repeated{head: `<sst ` + nsMain + `><si><t>x</t></si><si><t>`, unit: "相", n: 300_000, tail: `</t></si></sst>`},
		sheetPart: repeated{head: sheetHead + `<row r="2">`, unit: `<c t="s"><v><x/>1</v></c>`, n: 3, tail: `</row>` + sheetTail}}),
		ErrTooLarge, "row 2 of xl/worksheets/sheet1.xml holds more than 2 MiB of text"},
	// A part in another encoding is measured in the UTF-8 it decodes to.
	{"HugeCellGBK", crafted(map[string]body{sheetPart: repeated{head: `<?xml version="1.0" encoding="GBK"?>` + sheetHead[strings.Index(sheetHead, "\n"):] +
		`<row><c t="inlineStr"><is><t>`, unit: gbk("相"), n: 10_000_000, tail: `</t></is></c></row>` + sheetTail}}),
		ErrTooLarge, "xl/worksheets/sheet1.xml holds a single element or text longer than 1 MiB"},
	{"Rows", crafted(sheetOf(`<row/>`, 20_000_000)),
		ErrTooLarge, "xl/worksheets/sheet1.xml has more than 1,048,576 rows"},
	{"Cells", crafted(sheetOf(`<row>`+strings.Repeat(`<c><v>1</v></c>`, 10_000)+`</row>`, 1_000)),
		ErrTooLarge, "xl/worksheets/sheet1.xml has more than 5,000,000 cells"},
	// One row of millions of cells without references, each a new column.
	{"WideRow", crafted(sheetWith(repeated{head: `<row>`, unit: `<c><v>1</v></c>`, n: 10_000_000, tail: `</row>`})),
		ErrTooLarge, "row 2 of xl/worksheets/sheet1.xml has more than 16,384 cells"},
	{"HugeCell", crafted(sheetWith(repeated{head: `<row><c t="inlineStr"><is><t>`, unit: "abcdefgh", n: 30_000_000, tail: `</t></is></c></row>`})),
		ErrTooLarge, "xl/worksheets/sheet1.xml holds a single element or text longer than 1 MiB"},
	{"HugeAttribute", crafted(sheetWith(repeated{head: `<row spans="`, unit: "1:2 ", n: 30_000_000, tail: `"/>`})),
		ErrTooLarge, "xl/worksheets/sheet1.xml holds a single element or text longer than 1 MiB"},
	{"HugeComment", crafted(sheetWith(repeated{head: `<!--`, unit: "<row/>", n: 30_000_000, tail: `-->`})),
		ErrTooLarge, "xl/worksheets/sheet1.xml holds a single element or text longer than 1 MiB"},
	{"Deep", crafted(sheetOf("<a>", 30_000_000)),
		ErrTooLarge, "xl/worksheets/sheet1.xml nests elements more than 64 deep"},
	{"RichCell", crafted(sheetWith(repeated{head: `<row><c t="inlineStr"><is>`, unit: `<r><t>x</t></r>`, n: 8_000_000, tail: `</is></c></row>`})),
		ErrTooLarge, "a cell in row 2 of xl/worksheets/sheet1.xml has more than 16,384 elements"},
	// The bomb in a worksheet the workbook does not even list.
	{"UnlistedSheet", crafted(map[string]body{"xl/worksheets/sheet9.xml": repeated{head: sheetHead, unit: "<a>", n: 30_000_000, tail: sheetTail}}),
		ErrTooLarge, "xl/worksheets/sheet9.xml nests elements more than 64 deep"},
	{"Sheets", crafted(workbookWith(`<sheets>`, `<sheet name="Sheet1" sheetId="1" r:id="rId1"/>`, `</sheets>`, 100_000)),
		ErrTooLarge, "more than 1,024 worksheets"},
	{"WorkbookElements", crafted(workbookWith(`<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets><definedNames>`,
		`<definedName name="a">1</definedName>`, `</definedNames>`, 100_000)),
		ErrTooLarge, "xl/workbook.xml has more than 16,384 elements"},
	// Entities are never expanded: the decoder refuses the undefined one.
	{"Entities", crafted(map[string]body{sheetPart: repeated{
		head: `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>` +
			`<worksheet ` + nsMain + `><sheetData><row><c t="inlineStr"><is><t>&lol2;</t></is></c></row>`, tail: sheetTail}}),
		ErrUnknownFormat, "the workbook is damaged (xl/worksheets/sheet1.xml cannot be read)"},
	{"Parts", func(tb testing.TB) []byte { return manyParts(tb, MaxParts) },
		ErrTooLarge, "more than 10,000 parts"},
	{"LyingSize", lyingSize, ErrUnknownFormat, "the workbook is damaged (xl/worksheets/sheet1.xml cannot be read)"},
	{"DuplicatePart", duplicatePart, ErrUnknownFormat, "the workbook is damaged (xl/styles.xml cannot be read)"},
}

// defused are uploads that cost gigabytes before: parts that reading does
// not need, in any number, and that are now never unpacked or never reach
// excelize. Each is read like the workbook it is made from.
var defused = []struct {
	name  string
	parts map[string]body
}{
	// excelize decodes the calculation chain when it opens a file.
	{"CalcChain", map[string]body{"xl/calcChain.xml": repeated{head: `<calcChain ` + nsMain + `>`, unit: `<c r="A1" i="1"/>`,
		n: 8_000_000, tail: `</calcChain>`}}},
	// The styles reach excelize as their digest, fonts left out.
	{"Fonts", stylesWith(`<fonts>`, `<font><b/><i/><sz val="11"/><color rgb="FF000000"/><name val="宋体"/><family val="2"/></font>`,
		`</fonts><cellXfs><xf/></cellXfs>`, 300_000)},
	{"Theme", map[string]body{"xl/theme/theme1.xml": repeated{head: `<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">`,
		unit: `<a:x/>`, n: 30_000_000, tail: `</a:theme>`}}},
	// The iterator never reads the dimension a worksheet claims.
	{"Dimension", map[string]body{sheetPart: repeated{head: "<worksheet " + nsMain + `><dimension ref="A1:XFD1048576"/><sheetData>` + baseRows,
		tail: sheetTail}}},
	// Not a bomb: a worksheet in GBK, which excelize reads too.
	{"GBKSheet", map[string]body{sheetPart: repeated{head: `<?xml version="1.0" encoding="GBK"?>` + "\n<worksheet " + nsMain + `><sheetData>` +
		gbk(baseRows), tail: sheetTail}}},
	{"Drawing", map[string]body{"xl/drawings/drawing1.xml": repeated{head: `<x>`, unit: `<a>`, n: 30_000_000, tail: `</x>`}}},
}

// baseRows are the rows of baseWorkbook as inline strings.
const baseRows = `<row r="1"><c t="inlineStr"><is><t>姓名</t></is></c><c t="inlineStr"><is><t>身份证号</t></is></c>` +
	`<c t="inlineStr"><is><t>学历</t></is></c></row><row r="2"><c t="inlineStr"><is><t>张伟</t></is></c>` +
	`<c t="inlineStr"><is><t>11010119900307663X</t></is></c><c t="inlineStr"><is><t>博士</t></is></c></row>`

// manyParts is a workbook of far more parts than any spreadsheet has, each
// of them empty: the zip directory alone is the bomb.
func manyParts(tb testing.TB, n int) []byte {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(baseWorkbook()), int64(len(baseWorkbook())))
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		raw, _ := f.OpenRaw()
		w, err := zw.CreateRaw(&f.FileHeader)
		if err != nil {
			tb.Fatal(err)
		}
		_, _ = io.Copy(w, raw)
	}
	for i := range n {
		if _, err := zw.CreateRaw(&zip.FileHeader{Name: fmt.Sprintf("x/%d", i), Method: zip.Store}); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// lyingSize is a workbook whose worksheet declares 1 KiB and unpacks to
// 100 MB: the checks of declared sizes pass, and reading must not believe
// them.
func lyingSize(tb testing.TB) []byte {
	tb.Helper()
	fh, data := repeated{head: sheetHead, unit: `<row r="2"><c><v>1</v></c></row>`, n: 3_000_000, tail: sheetTail}.deflate(tb)
	fh.Name, fh.UncompressedSize64 = sheetPart, 1<<10
	return withRaw(tb, baseWorkbook(), fh, data)
}

// duplicatePart is a workbook with a second, harmless-looking styles part:
// excelize would read the last of the two, so both must be the one inspected.
func duplicatePart(tb testing.TB) []byte {
	tb.Helper()
	fh, data := repeated{head: `<styleSheet ` + nsMain + `/>`}.deflate(tb)
	fh.Name = stylesPart
	return withRaw(tb, baseWorkbook(), fh, data)
}

// withRaw copies base and appends one entry written as given, header and all.
func withRaw(tb testing.TB, base []byte, fh *zip.FileHeader, data []byte) []byte {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if f.Name == fh.Name && fh.Name == sheetPart {
			continue
		}
		raw, _ := f.OpenRaw()
		w, err := zw.CreateRaw(&f.FileHeader)
		if err != nil {
			tb.Fatal(err)
		}
		_, _ = io.Copy(w, raw)
	}
	w, err := zw.CreateRaw(fh)
	if err != nil {
		tb.Fatal(err)
	}
	_, _ = w.Write(data)
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// largeColumns is the header of largeWorkbook: twenty columns, as the
// office's fullest lists have.
var largeColumns = []string{"序号", "姓名", "性别", "出生日期", "身份证号", "手机号", "电子邮箱", "学历", "毕业院校", "专业",
	"毕业年份", "职称", "技能等级", "人才计划/荣誉", "年薪(元)", "所属领域", "来璧时间", "职务", "统一社会信用代码", "备注"}

// largeWorkbook is a legitimate upload at the scale the bounds must allow:
// n data rows of twenty columns, stored as Excel stores them. Text is in the
// shared strings, five distinct ones per row (name, identity number, mobile,
// e-mail, note) and the rest repeated labels; numbers are numbers; dates are
// numbers in a date format.
func largeWorkbook(tb testing.TB, n int) []byte {
	tb.Helper()
	labels := append([]string{}, largeColumns...)
	labels = append(labels, "男", "女", "博士", "硕士", "本科", "重庆大学", "机械工程", "正高级", "中级", "技师", "无",
		"璧山英才(2019)；重庆英才计划", "智能制造", "研发工程师", "91500227MA5U000001")
	label := map[string]int{}
	for i, l := range labels {
		label[l] = i
	}
	unique := func(i, k int) string {
		switch k {
		case 0:
			return "欧阳" + strconv.Itoa(i)
		case 1:
			return fmt.Sprintf("5002271990%08d", i)
		case 2:
			return fmt.Sprintf("138%08d", i)
		case 3:
			return fmt.Sprintf("user%d@example.cn", i)
		}
		return fmt.Sprintf("第%d行的备注：曾任某某研究院高级工程师", i)
	}
	sst := bodyFunc(func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 64<<10)
		fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+`<sst %s count="%d" uniqueCount="%d">`,
			nsMain, len(labels)+20*n, len(labels)+5*n)
		for _, l := range labels {
			fmt.Fprintf(bw, "<si><t>%s</t></si>", l)
		}
		for i := range n {
			for k := range 5 {
				fmt.Fprintf(bw, "<si><t>%s</t></si>", unique(i, k))
			}
		}
		bw.WriteString("</sst>")
		return bw.Flush()
	})
	sheet := bodyFunc(func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 64<<10)
		fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+`<worksheet %s><dimension ref="A1:T%d"/><sheetData>`, nsMain, n+1)
		row := func(r int, cells []string) {
			fmt.Fprintf(bw, `<row r="%d" spans="1:20">`, r)
			for c, v := range cells {
				ref := string(rune('A'+c)) + strconv.Itoa(r)
				switch {
				case strings.HasPrefix(v, "s"):
					fmt.Fprintf(bw, `<c r="%s" t="s"><v>%s</v></c>`, ref, v[1:])
				case strings.HasPrefix(v, "d"):
					fmt.Fprintf(bw, `<c r="%s" s="1"><v>%s</v></c>`, ref, v[1:])
				default:
					fmt.Fprintf(bw, `<c r="%s"><v>%s</v></c>`, ref, v[1:])
				}
			}
			bw.WriteString("</row>")
		}
		ls := func(l string) string { return "s" + strconv.Itoa(label[l]) }
		us := func(i, k int) string { return "s" + strconv.Itoa(len(labels)+5*i+k) }
		head := make([]string, len(largeColumns))
		for i, h := range largeColumns {
			head[i] = ls(h)
		}
		row(1, head)
		for i := range n {
			row(i+2, []string{"n" + strconv.Itoa(i+1), us(i, 0), ls([]string{"男", "女"}[i%2]), "d" + strconv.Itoa(32000+i%5000),
				us(i, 1), us(i, 2), us(i, 3), ls([]string{"博士", "硕士", "本科"}[i%3]), ls("重庆大学"), ls("机械工程"),
				"n" + strconv.Itoa(2010+i%10), ls([]string{"正高级", "中级"}[i%2]), ls([]string{"技师", "无"}[i%2]),
				ls("璧山英才(2019)；重庆英才计划"), "n" + strconv.Itoa(200000+i), ls("智能制造"), "d" + strconv.Itoa(44000+i%1000),
				ls("研发工程师"), ls("91500227MA5U000001"), us(i, 4)})
		}
		bw.WriteString("</sheetData></worksheet>")
		return bw.Flush()
	})
	styles := repeated{head: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<styleSheet ` + nsMain + `>` +
		`<fonts count="1"><font><sz val="11"/><name val="宋体"/><family val="2"/><charset val="134"/></font></fonts>` +
		`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
		`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
		`<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
		`<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>` +
		`<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles></styleSheet>`}
	return craft(tb, baseWorkbook(), map[string]body{sheetPart: sheet, sstPart: sst, stylesPart: styles})
}

// exportedWorkbook is n rows of twenty columns as XLSXWriter exports them
// (inline strings), the other legitimate large upload: an export sent back.
func exportedWorkbook(tb testing.TB, n int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w, err := NewXLSXWriter(&buf, "人才信息", largeColumns)
	if err != nil {
		tb.Fatal(err)
	}
	cells := make([]string, len(largeColumns))
	for i := range n {
		for c := range cells {
			cells[c] = fmt.Sprintf("第%d行%s", i, largeColumns[c])
		}
		cells[4] = fmt.Sprintf("5002271990%08d", i)
		if err := w.WriteRow(cells); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestOpen_XLSXDefused(t *testing.T) {
	t.Parallel()
	for _, d := range defused {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			r, rows, _ := readAll(t, craft(t, baseWorkbook(), d.parts))
			want := []Row{{Line: 2, Cells: []string{"张伟", "11010119900307663X", "博士"}}}
			if !reflect.DeepEqual(r.Header(), []string{"姓名", "身份证号", "学历"}) || !reflect.DeepEqual(rows, want) {
				t.Errorf("header %q, rows %v", r.Header(), rows)
			}
		})
	}
}

func TestOpen_XLSXBombs(t *testing.T) {
	t.Parallel()
	for _, b := range xlsxBombs {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			err := readError(b.data(t))
			if !errors.Is(err, b.kind) || !errors.Is(err, ErrInvalidFile) {
				t.Fatalf("err = %v; want %v and ErrInvalidFile", err, b.kind)
			}
			if !strings.Contains(err.Error(), b.msg) {
				t.Errorf("message = %q; want it to say %q", err, b.msg)
			}
		})
	}
}

// csvBombs are CSV uploads that would make the CSV reader hold one huge
// record.
var csvBombs = []bomb{
	{"LongLine", func(testing.TB) []byte {
		return []byte("姓名,备注\r\n张伟," + strings.Repeat("长", 4<<20) + "\r\n")
	}, ErrTooLarge, "the row at line 2 is longer than 2 MiB"},
	// An unclosed quote makes the rest of the file one field.
	{"UnclosedQuote", func(testing.TB) []byte {
		return []byte("姓名,备注\r\n张伟,\"备注\r\n" + strings.Repeat("李四,没有引号\r\n", 1<<20))
	}, ErrTooLarge, `the row at line 2 is longer than 2 MiB (is a quote (") missing its closing quote?)`},
	// Every field costs the reader some 40 bytes, however empty.
	{"ManyFields", func(testing.TB) []byte {
		return []byte("姓名,备注\r\n" + strings.Repeat(",", 4<<20) + "\r\n")
	}, ErrTooLarge, "the row at line 2 has more than 16,384 columns"},
	{"ManyFieldsOverLines", func(testing.TB) []byte {
		return []byte("姓名,备注\r\n" + strings.Repeat("\"\n\""+strings.Repeat(",", 1000), 1000) + "\r\n")
	}, ErrTooLarge, "the row at line 2 has more than 16,384 columns"},
}

func TestOpen_CSVBombs(t *testing.T) {
	t.Parallel()
	for _, b := range csvBombs {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			err := readError(b.data(t))
			if !errors.Is(err, b.kind) || !errors.Is(err, ErrInvalidFile) {
				t.Fatalf("err = %v; want %v and ErrInvalidFile", err, b.kind)
			}
			if err.Error() != b.msg {
				t.Errorf("message = %q, want %q", err, b.msg)
			}
		})
	}

	// Blank lines are skipped as they are read; millions of them cost
	// neither memory nor a refusal, and the lines after keep their numbers.
	t.Run("BlankLines", func(t *testing.T) {
		t.Parallel()
		const blank = 4 << 20
		data := []byte(strings.Repeat("\r\n", blank) + "姓名,学历\r\n" + strings.Repeat(",\r\n", blank) + "张伟,博士\r\n")
		_, rows, _ := readAll(t, data)
		if want := []Row{{Line: 2*blank + 2, Cells: []string{"张伟", "博士"}}}; !reflect.DeepEqual(rows, want) {
			t.Errorf("rows = %v, want %v", rows, want)
		}
	})

	// A long row refuses the whole file, before its first rows are read,
	// whatever its encoding.
	t.Run("RefusedWhole", func(t *testing.T) {
		t.Parallel()
		text := "姓名,学历\r\n张伟,博士\r\n李娜,硕士\r\n" + strings.Repeat("长", MaxRowBytes/3+1)
		for _, data := range [][]byte{[]byte(text), encode(t, simplifiedchinese.GB18030, text),
			encode(t, xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM), text)} {
			if _, err := Open(data); !errors.Is(err, ErrTooLarge) || err.Error() != "the row at line 4 is longer than 2 MiB" {
				t.Errorf("err = %v", err)
			}
		}
	})

	// A row just within the limit is a row, however odd.
	t.Run("LongestRow", func(t *testing.T) {
		t.Parallel()
		cell := strings.Repeat("x", MaxRowBytes/2-2)
		_, rows, rowErrs := readAll(t, []byte("a,b\n"+cell+","+cell+"\n"))
		if len(rows) != 0 || len(rowErrs) != 1 || rowErrs[0].Line != 2 {
			t.Errorf("rows %v, row errors %v; want the row refused for its long cells", len(rows), rowErrs)
		}
	})
}

// TestOpen_XLSXStyleDigest checks that excelize, given the digest of the
// styles, displays every number as it does with the whole style sheet.
func TestOpen_XLSXStyleDigest(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Sheet1"
	formats := []excelize.Style{
		{NumFmt: 2}, {NumFmt: 3}, {NumFmt: 4}, {NumFmt: 9}, {NumFmt: 10}, {NumFmt: 12}, {NumFmt: 37}, {NumFmt: 49},
		{CustomNumFmt: ptr("0.000")}, {CustomNumFmt: ptr(`#,##0"元"`)}, {CustomNumFmt: ptr(`"¥"#,##0.00`)},
		{CustomNumFmt: ptr("000000")}, {CustomNumFmt: ptr(`[Red]0.0;[Blue]-0.0;"零"`)},
		// The same formats again under fonts, fills and borders, so that
		// the cell formats' numbering mixes them.
		{NumFmt: 2, Font: &excelize.Font{Bold: true, Family: "宋体"}},
		{CustomNumFmt: ptr("0.000"), Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFFF00"}}},
		{NumFmt: 4, Border: []excelize.Border{{Type: "left", Style: 1}}, Alignment: &excelize.Alignment{Horizontal: "center"}},
	}
	values := []any{1234.5678, -0.5, 0, 13800138000, "文本"}
	header := []string{"格式"}
	for i := range values {
		header = append(header, fmt.Sprintf("值%d", i+1))
	}
	if err := f.SetSheetRow(sheet, "A1", &header); err != nil {
		t.Fatal(err)
	}
	for r, st := range formats {
		id, err := f.NewStyle(&st)
		if err != nil {
			t.Fatal(err)
		}
		row := append([]any{fmt.Sprintf("格式%d", r+1)}, values...)
		ref, _ := excelize.CoordinatesToCellName(1, r+2)
		end, _ := excelize.CoordinatesToCellName(len(row), r+2)
		if err := f.SetSheetRow(sheet, ref, &row); err != nil {
			t.Fatal(err)
		}
		if err := f.SetCellStyle(sheet, ref, end, id); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	// formatCode16, which excelize prefers, written as Excel writes it; and
	// cell formats without a number format, which General is.
	data := rewriteZip(t, buf.Bytes(), stylesPart, func(s string) string {
		s = strings.ReplaceAll(s, `numFmtId="0" `, "")
		return strings.Replace(s, `formatCode="0.000"`, `formatCode="0.000" xmlns:x16r2="`+ns16+`" x16r2:formatCode16="0.0000"`, 1)
	})

	whole, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer whole.Close()
	want, err := whole.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	_, got, _ := readAll(t, data)
	if len(got) != len(formats) {
		t.Fatalf("read %d rows, want %d", len(got), len(formats))
	}
	for i, row := range got {
		w := want[i+1]
		for j := range w {
			w[j] = clean(w[j]) // as Reader trims every cell
		}
		if !reflect.DeepEqual(row.Cells, w) {
			t.Errorf("row %d = %q, want %q", i+2, row.Cells, w)
		}
	}
	if got[8].Cells[1] != "1234.5678" || got[0].Cells[1] != "1234.57" {
		t.Errorf("formatCode16 or a built-in format was not applied: %q, %q", got[8].Cells, got[0].Cells)
	}
}

func ptr[T any](v T) *T { return &v }

// gbk encodes s in GBK.
func gbk(s string) string {
	out, err := simplifiedchinese.GBK.NewEncoder().String(s)
	if err != nil {
		panic(err)
	}
	return out
}
