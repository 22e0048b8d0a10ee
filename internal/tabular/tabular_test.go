package tabular

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"
)

// readAll opens data and reads every row, collecting row errors apart.
func readAll(t *testing.T, data []byte) (*Reader, []Row, []*RowError) {
	t.Helper()
	r, err := Open(data)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	var (
		rows    []Row
		rowErrs []*RowError
	)
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r, rows, rowErrs
		}
		var re *RowError
		if errors.As(err, &re) {
			rowErrs = append(rowErrs, re)
			continue
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		rows = append(rows, row)
	}
}

func encode(t *testing.T, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return b
}

const talentCSV = "姓名,性别,身份证号,手机号,学历\r\n" +
	"张伟,男,11010119900307663X,13800138000,博士\r\n" +
	"欧阳娜娜,女,110101199003074258,13900139000,硕士\r\n"

var (
	talentHeader = []string{"姓名", "性别", "身份证号", "手机号", "学历"}
	talentRows   = []Row{
		{Line: 2, Cells: []string{"张伟", "男", "11010119900307663X", "13800138000", "博士"}},
		{Line: 3, Cells: []string{"欧阳娜娜", "女", "110101199003074258", "13900139000", "硕士"}},
	}
)

func TestOpen_CSVEncodings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		data     func(t *testing.T) []byte
		encoding string
	}{
		{"UTF8", func(*testing.T) []byte { return []byte(talentCSV) }, "utf-8"},
		{"UTF8BOM", func(*testing.T) []byte { return append([]byte("\xEF\xBB\xBF"), talentCSV...) }, "utf-8-bom"},
		{"GBK", func(t *testing.T) []byte { return encode(t, simplifiedchinese.GBK, talentCSV) }, "gb18030"},
		{"UTF16LE", func(t *testing.T) []byte {
			return encode(t, xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM), strings.ReplaceAll(talentCSV, ",", "\t"))
		}, "utf-16le"},
		{"Tabs", func(*testing.T) []byte { return []byte(strings.ReplaceAll(talentCSV, ",", "\t")) }, "utf-8"},
		{"Semicolons", func(*testing.T) []byte { return []byte(strings.ReplaceAll(talentCSV, ",", ";")) }, "utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, rows, rowErrs := readAll(t, tt.data(t))
			if r.Format() != "csv" || r.Encoding() != tt.encoding {
				t.Errorf("format, encoding = %q, %q; want csv, %q", r.Format(), r.Encoding(), tt.encoding)
			}
			if !reflect.DeepEqual(r.Header(), talentHeader) {
				t.Errorf("header = %q", r.Header())
			}
			if !reflect.DeepEqual(rows, talentRows) || rowErrs != nil {
				t.Errorf("rows = %+v, row errors = %v", rows, rowErrs)
			}
		})
	}

	t.Run("GB18030Only", func(t *testing.T) {
		t.Parallel()
		// Neither character exists in GBK: a GBK decoder would lose them.
		data := encode(t, simplifiedchinese.GB18030, "姓名,备注\n𠀀㐀,欧阳娜娜\n")
		r, rows, _ := readAll(t, data)
		if r.Encoding() != "gb18030" || len(rows) != 1 || rows[0].Cells[0] != "𠀀㐀" || rows[0].Cells[1] != "欧阳娜娜" {
			t.Errorf("encoding %q, rows %+v", r.Encoding(), rows)
		}
	})

	t.Run("GBKAfterLongASCII", func(t *testing.T) {
		t.Parallel()
		// The first Chinese byte lies beyond any prefix a detector might
		// sample; the whole file decides.
		text := "id,name\n" + strings.Repeat("1,a\n", 50_000) + "2,张伟\n"
		_, rows, _ := readAll(t, encode(t, simplifiedchinese.GBK, text))
		if got := rows[len(rows)-1]; got.Cells[1] != "张伟" || got.Line != 50_002 {
			t.Errorf("last row = %+v", got)
		}
	})

	t.Run("UTF8WithOneBadByte", func(t *testing.T) {
		t.Parallel()
		data := []byte("姓名,单位\n张伟,重庆璧山\n欧阳娜娜,caf\xE9\n")
		r, rows, _ := readAll(t, data)
		if r.Encoding() != "utf-8" || rows[0].Cells[1] != "重庆璧山" || rows[1].Cells[1] != "caf\uFFFD" {
			t.Errorf("encoding %q, rows %+v", r.Encoding(), rows)
		}
	})
}

func TestOpen_CSVLayout(t *testing.T) {
	t.Parallel()

	t.Run("QuotedMultiLine", func(t *testing.T) {
		t.Parallel()
		data := "姓名,备注,手机号\r\n" +
			"张伟,\"第一行\r\n第二行，含逗号, 和\"\"引号\"\"\",13800138000\r\n" +
			"欧阳娜娜,无,13900139000\r\n"
		_, rows, _ := readAll(t, []byte(data))
		want := []Row{
			{Line: 2, Cells: []string{"张伟", "第一行\n第二行，含逗号, 和\"引号\"", "13800138000"}},
			{Line: 4, Cells: []string{"欧阳娜娜", "无", "13900139000"}},
		}
		if !reflect.DeepEqual(rows, want) {
			t.Errorf("rows = %+v", rows)
		}
	})

	t.Run("BlankLinesAndTrim", func(t *testing.T) {
		t.Parallel()
		data := "\r\n,,\r\n 姓名 ,\u3000性别\u3000,,\r\n\r\n张伟 , 男\r\n , ,\r\n\t\r\n欧阳娜娜,女\r\n"
		r, rows, _ := readAll(t, []byte(data))
		want := []Row{
			{Line: 5, Cells: []string{"张伟", "男"}},
			{Line: 8, Cells: []string{"欧阳娜娜", "女"}},
		}
		if !reflect.DeepEqual(r.Header(), []string{"姓名", "性别"}) || !reflect.DeepEqual(rows, want) {
			t.Errorf("header %q, rows %+v", r.Header(), rows)
		}
	})

	t.Run("RaggedRowsPadded", func(t *testing.T) {
		t.Parallel()
		_, rows, _ := readAll(t, []byte("a,b,c\n1\n1,2\n1,2,3,,\n"))
		want := [][]string{{"1", "", ""}, {"1", "2", ""}, {"1", "2", "3"}}
		for i, row := range rows {
			if !reflect.DeepEqual(row.Cells, want[i]) {
				t.Errorf("row %d = %q, want %q", i, row.Cells, want[i])
			}
		}
	})

	t.Run("RowError", func(t *testing.T) {
		t.Parallel()
		long := strings.Repeat("长", MaxCellBytes/3+1)
		data := "a,b\n1,2\n1,2,3\n" + long + ",x\n4,5\n"
		_, rows, rowErrs := readAll(t, []byte(data))
		if len(rows) != 2 || rows[1].Line != 5 {
			t.Errorf("rows = %v", rows)
		}
		if len(rowErrs) != 2 || rowErrs[0].Line != 3 || rowErrs[1].Line != 4 {
			t.Fatalf("row errors = %v", rowErrs)
		}
		if got := rowErrs[0].Error(); got != "line 3: a value in column 3, beyond the 2 columns of the header" {
			t.Errorf("message = %q", got)
		}
	})

	t.Run("HeaderOnly", func(t *testing.T) {
		t.Parallel()
		r, rows, _ := readAll(t, []byte("姓名,性别\r\n\r\n"))
		if len(r.Header()) != 2 || rows != nil {
			t.Errorf("header %q, rows %+v", r.Header(), rows)
		}
	})

	t.Run("ApostropheUnescaped", func(t *testing.T) {
		t.Parallel()
		_, rows, _ := readAll(t, []byte("a,b,c\n'=1+1,'abc,'-5\n"))
		if want := []string{"=1+1", "'abc", "-5"}; !reflect.DeepEqual(rows[0].Cells, want) {
			t.Errorf("cells = %q, want %q", rows[0].Cells, want)
		}
	})
}

func TestOpen_Errors(t *testing.T) {
	t.Parallel()
	random := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	docx := zipOf(t, map[string]string{"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
	tests := []struct {
		name string
		data []byte
		kind error
		msg  string
	}{
		{"Empty", nil, ErrEmpty, "file is empty"},
		{"BlankLines", []byte("\r\n , ,\r\n\t\r\n"), ErrEmpty, "file is empty"},
		{"BOMOnly", []byte("\xEF\xBB\xBF"), ErrEmpty, "file is empty"},
		{"Random", random, ErrUnknownFormat, "not a CSV or XLSX file"},
		{"PNG", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), ErrUnknownFormat, "not a CSV or XLSX file"},
		{"Docx", docx, ErrUnknownFormat, "not a CSV or XLSX file"},
		{"XLS", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00"), ErrUnknownFormat, ""},
		{"BareQuote", []byte("a,b\n1,2\n3,4\"5\n"), ErrMalformedCSV, "malformed CSV at line 3: " +
			`a field that contains a quote (") must itself be enclosed in quotes, with the quote doubled ("")`},
		{"Unclosed", []byte("a,b\n1,\"2\n3,4\n5,6\n"), ErrMalformedCSV, "malformed CSV at line 2: " +
			`a quoted field is not closed properly; a quote (") inside a quoted field must be doubled ("")`},
		{"Extraneous", []byte("a,b\n1,\"2\n\"x\n3,4\n"), ErrMalformedCSV, "malformed CSV at line 3: " +
			`a quoted field is not closed properly; a quote (") inside a quoted field must be doubled ("")`},
		{"TooManyColumns", []byte(strings.Repeat("c,", MaxColumns) + "c\n"), ErrTooLarge, "the header has 201 columns; at most 200 are allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := readError(tt.data)
			if !errors.Is(err, tt.kind) || !errors.Is(err, ErrInvalidFile) {
				t.Fatalf("err = %v; want %v and ErrInvalidFile", err, tt.kind)
			}
			if tt.msg != "" && err.Error() != tt.msg {
				t.Errorf("message = %q, want %q", err, tt.msg)
			}
		})
	}

	t.Run("ZipBomb", func(t *testing.T) {
		t.Parallel()
		// The limit is checked against the sizes the archive declares, which
		// archive/zip holds the data to, so a declared size is enough here.
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, name := range []string{"xl/workbook.xml", "xl/worksheets/sheet1.xml"} {
			w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Store, UncompressedSize64: MaxUnpackedBytes/2 + 1})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write([]byte("<x/>")); err != nil {
				t.Fatal(err)
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := readError(buf.Bytes()); !errors.Is(err, ErrTooLarge) || err.Error() != "the workbook unpacks to more than 256 MiB" {
			t.Errorf("err = %v, want ErrTooLarge", err)
		}
	})
}

// readError returns the first error of Open or Next other than a RowError.
func readError(data []byte) error {
	r, err := Open(data)
	if err != nil {
		return err
	}
	defer r.Close()
	for {
		if _, err := r.Next(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rewriteZip copies an archive, passing the named file through edit.
func rewriteZip(t *testing.T, data []byte, name string, edit func(string) string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name] = string(body)
		if f.Name == name {
			files[f.Name] = edit(string(body))
		}
	}
	return zipOf(t, files)
}

func TestCSVWriter(t *testing.T) {
	t.Parallel()
	header := []string{"姓名", "身份证号", "金额", "备注"}
	rows := [][]string{
		{"张伟", "11010119900307663X", "-5", "=1+1"},
		{"欧阳娜娜", "110101199003074258", "-3.5", "@SUM(A1)"},
		{"𠀀㐀", "", "+5", "第一行\n第二行, \"引号\""},
	}
	write := func(t *testing.T, enc Encoding) []byte {
		t.Helper()
		var buf bytes.Buffer
		w := NewCSVWriter(&buf, enc)
		for _, row := range append([][]string{header}, rows...) {
			if err := w.Write(row); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	roundTrip := func(t *testing.T, data []byte, encoding string) {
		t.Helper()
		r, got, _ := readAll(t, data)
		if r.Encoding() != encoding || !reflect.DeepEqual(r.Header(), header) || len(got) != len(rows) {
			t.Fatalf("encoding %q, header %q, rows %+v", r.Encoding(), r.Header(), got)
		}
		for i, row := range got {
			if !reflect.DeepEqual(row.Cells, rows[i]) {
				t.Errorf("row %d = %q, want %q", i, row.Cells, rows[i])
			}
		}
	}

	t.Run("UTF8BOM", func(t *testing.T) {
		t.Parallel()
		data := write(t, UTF8BOM)
		if !bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}) {
			t.Errorf("no byte order mark: % x", data[:8])
		}
		text := string(data)
		for _, want := range []string{"\r\n张伟,11010119900307663X,-5,'=1+1\r\n", ",'@SUM(A1)\r\n", ",'+5,"} {
			if !strings.Contains(text, want) {
				t.Errorf("output lacks %q:\n%s", want, text)
			}
		}
		roundTrip(t, data, "utf-8-bom")
	})

	t.Run("GB18030", func(t *testing.T) {
		t.Parallel()
		data := write(t, GB18030)
		if utf8.Valid(data) {
			t.Error("GB18030 output is valid UTF-8")
		}
		roundTrip(t, data, "gb18030")
	})

	t.Run("EmptyExportHasBOM", func(t *testing.T) {
		t.Parallel()
		var buf bytes.Buffer
		if err := NewCSVWriter(&buf, UTF8BOM).Flush(); err != nil || buf.String() != "\xEF\xBB\xBF" {
			t.Errorf("output %q, err %v", buf.String(), err)
		}
	})
}

func TestXLSXWriter(t *testing.T) {
	t.Parallel()
	header := []string{"姓名", "身份证号", "手机号", "备注", "金额"}
	rows := [][]string{
		{"张伟", "11010119900307663X", "13800138000", "=1+1", "-5"},
		{"欧阳娜娜", "110101199003074258", "", "第一行\n第二行", "0012"},
		{"𠀀㐀"},
	}
	for i := range 300 {
		rows = append(rows, []string{fmt.Sprintf("人才%03d", i), fmt.Sprintf("5002271990%08d", i)})
	}
	var buf bytes.Buffer
	w, err := NewXLSXWriter(&buf, "人才名单", header)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		if err := w.WriteRow(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteRow(make([]string, 6)); err == nil {
		t.Error("a row longer than the header was accepted")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	t.Run("BadSheetName", func(t *testing.T) {
		t.Parallel()
		if _, err := NewXLSXWriter(io.Discard, "名单[1]", header); err == nil {
			t.Error("a sheet name Excel refuses was accepted")
		}
	})

	t.Run("RoundTrip", func(t *testing.T) {
		t.Parallel()
		r, got, _ := readAll(t, buf.Bytes())
		if r.Format() != "xlsx" || r.Encoding() != "" || !reflect.DeepEqual(r.Header(), header) {
			t.Fatalf("format %q, encoding %q, header %q", r.Format(), r.Encoding(), r.Header())
		}
		if len(got) != len(rows) {
			t.Fatalf("read %d rows, wrote %d", len(got), len(rows))
		}
		for i, row := range got {
			want := append(rows[i], make([]string, len(header)-len(rows[i]))...)
			if row.Line != i+2 || !reflect.DeepEqual(row.Cells, want) {
				t.Errorf("row %d = %d %q, want %d %q", i, row.Line, row.Cells, i+2, want)
			}
		}
	})

	t.Run("Layout", func(t *testing.T) {
		t.Parallel()
		f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		const sheet = "人才名单"
		if v, _ := f.GetCellValue(sheet, "D2"); v != "'=1+1" {
			t.Errorf("D2 = %q; the formula must be defused", v)
		}
		if v, _ := f.GetCellValue(sheet, "E2"); v != "-5" {
			t.Errorf("E2 = %q; a plain negative number stays as it is", v)
		}
		if typ, _ := f.GetCellType(sheet, "B2"); typ != excelize.CellTypeInlineString {
			t.Errorf("B2 type = %v, want text", typ)
		}
		if panes, _ := f.GetPanes(sheet); !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("panes = %+v, want the header row frozen", panes)
		}
		id, _ := f.GetCellStyle(sheet, "A1")
		if style, err := f.GetStyle(id); err != nil || style.Font == nil || !style.Font.Bold {
			t.Errorf("header style = %+v, %v; want bold", style, err)
		}
		if width, _ := f.GetColWidth(sheet, "B"); width < 18 {
			t.Errorf("identity number column is %v wide", width)
		}
	})
}

func TestNewRowWriter(t *testing.T) {
	t.Parallel()
	header := []string{"编号", "金额(元)"}
	row := []string{"1", "12.34"}
	for _, c := range []struct{ format, encoding, wantFormat, wantEncoding string }{
		{"csv", "gbk", "csv", "gb18030"}, {"csv", "utf-8", "csv", "utf-8-bom"}, {"xlsx", "", "xlsx", ""},
	} {
		t.Run(c.format+c.encoding, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			w, err := NewRowWriter(&buf, c.format, c.encoding, "明细", header)
			if err == nil {
				err = w.WriteRow(row)
			}
			if err == nil {
				err = w.Close()
			}
			if err != nil {
				t.Fatal(err)
			}
			r, got, _ := readAll(t, buf.Bytes())
			if r.Format() != c.wantFormat || r.Encoding() != c.wantEncoding || !reflect.DeepEqual(r.Header(), header) ||
				len(got) != 1 || !reflect.DeepEqual(got[0].Cells, row) {
				t.Errorf("format %q, encoding %q, header %q, rows %+v", r.Format(), r.Encoding(), r.Header(), got)
			}
		})
	}
}

func TestOpen_XLSXDates(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	defer f.Close()
	// A hidden first sheet: reading starts at the first visible one.
	if err := f.SetSheetName("Sheet1", "说明"); err != nil {
		t.Fatal(err)
	}
	const sheet = "名单"
	idx, err := f.NewSheet(sheet)
	if err != nil {
		t.Fatal(err)
	}
	f.SetActiveSheet(idx)
	if err := f.SetSheetVisible("说明", false); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellValue("说明", "A1", "hidden"); err != nil {
		t.Fatal(err)
	}
	style := func(s excelize.Style) int {
		id, err := f.NewStyle(&s)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	chineseDate := `[$-804]yyyy"年"m"月"d"日"`
	slashDate := "yyyy/m/d;@"
	minutes := "mm:ss"
	bold := style(excelize.Style{Font: &excelize.Font{Bold: true}})
	cells := []struct {
		name  string
		value any
		style int
		want  string
	}{
		{"ShortDate", 45306, style(excelize.Style{NumFmt: 14}), "2024-01-15"},
		{"DateTime", 45306.5, style(excelize.Style{NumFmt: 22}), "2024-01-15 12:00:00"},
		{"CJKBuiltIn", 45306, style(excelize.Style{NumFmt: 31}), "2024-01-15"},
		{"ChineseCustom", 45306, style(excelize.Style{CustomNumFmt: &chineseDate}), "2024-01-15"},
		{"SlashCustom", 45306, style(excelize.Style{CustomNumFmt: &slashDate}), "2024-01-15"},
		{"TimeValue", time.Date(2024, 1, 15, 9, 30, 0, 0, time.UTC), 0, "2024-01-15 09:30:00"},
		{"MidnightTimeValue", time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC), 0, "2024-01-15"},
		{"TimeOnly", 0.75, style(excelize.Style{NumFmt: 20}), "18:00"},
		{"Minutes", 0.0021, style(excelize.Style{CustomNumFmt: &minutes}), "03:01"},
		{"TextInDateColumn", "2024.1.15", style(excelize.Style{NumFmt: 14}), "2024.1.15"},
		{"Phone", 13800138000, 0, "13800138000"},
		{"PhoneBold", 13800138000, bold, "13800138000"},
		{"IDAsInt", int64(110101199003074258), 0, "110101199003074258"},
		{"IDAsIntBold", int64(110101199003074258), bold, "110101199003074258"},
		{"IDAsText", "11010119900307663X", 0, "11010119900307663X"},
		{"Decimals", 3.14159, style(excelize.Style{NumFmt: 2}), "3.14"},
		{"Percent", 0.25, style(excelize.Style{NumFmt: 9}), "25%"},
		{"Plain", 12.5, 0, "12.5"},
	}
	header := make([]string, 0, len(cells)+1)
	want := make([]string, 0, len(cells)+1)
	for i, c := range cells {
		ref, _ := excelize.CoordinatesToCellName(i+1, 2)
		if err := f.SetCellValue(sheet, ref, c.value); err != nil {
			t.Fatal(err)
		}
		if c.style != 0 {
			if err := f.SetCellStyle(sheet, ref, ref, c.style); err != nil {
				t.Fatal(err)
			}
		}
		header, want = append(header, c.name), append(want, c.want)
	}
	// What Excel itself writes for an identity number typed as a number:
	// 15 significant digits, in scientific notation, in a styled column.
	ref, _ := excelize.CoordinatesToCellName(len(cells)+1, 2)
	if err := f.SetCellDefault(sheet, ref, "1.10101199003074E+17"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellStyle(sheet, ref, ref, bold); err != nil {
		t.Fatal(err)
	}
	header, want = append(header, "IDFromExcel"), append(want, "110101199003074000")
	if err := f.SetSheetRow(sheet, "A1", &header); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}

	_, rows, _ := readAll(t, buf.Bytes())
	if len(rows) != 1 {
		t.Fatalf("rows = %+v", rows)
	}
	for i, got := range rows[0].Cells {
		if got != want[i] {
			t.Errorf("%s = %q, want %q", header[i], got, want[i])
		}
	}

	t.Run("ErrNoWorksheet", func(t *testing.T) {
		t.Parallel()
		data := rewriteZip(t, buf.Bytes(), "xl/workbook.xml", func(s string) string {
			return strings.ReplaceAll(strings.ReplaceAll(s, ` state="hidden"`, ""), "<sheet ", `<sheet state="hidden" `)
		})
		if _, err := Open(data); !errors.Is(err, ErrNoWorksheet) || err.Error() != "the workbook has no worksheet" {
			t.Errorf("err = %v, want ErrNoWorksheet", err)
		}
	})
}

func TestFormatCodeKind(t *testing.T) {
	t.Parallel()
	tests := map[string]dateKind{
		"General":                        notDate,
		"G/通用格式":                         notDate,
		"0.00E+00":                       notDate,
		`#,##0.00_);[Red]\(#,##0.00\)`:   notDate,
		`[$¥-804]#,##0.00`:               notDate,
		"@":                              notDate,
		`"day"0`:                         notDate,
		"yyyy-mm-dd":                     dateOnly,
		"YYYY/MM/DD":                     dateOnly,
		"mmm-yy":                         dateOnly,
		"mmmm":                           dateOnly,
		`[DBNum1][$-804]yyyy"年"m"月"d"日"`: dateOnly,
		"[$-F800]dddd, mmmm dd, yyyy":    dateOnly,
		"yyyy-mm-dd hh:mm:ss":            dateAndTime,
		"m/d/yy h:mm AM/PM":              dateAndTime,
		"h:mm AM/PM":                     notDate,
		"[h]:mm:ss":                      notDate,
		"mm:ss.0":                        notDate,
	}
	for code, want := range tests {
		if got := formatCodeKind(code); got != want {
			t.Errorf("formatCodeKind(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestEscapeFormula(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"":                "",
		"张伟":              "张伟",
		"=1+1":            "'=1+1",
		"+86 13800138000": "'+86 13800138000",
		"-5":              "-5",
		"-3.25":           "-3.25",
		"-":               "'-",
		"-1+1":            "'-1+1",
		"-5.":             "'-5.",
		"@SUM(A1)":        "'@SUM(A1)",
		"\t=1":            "'\t=1",
		"\r=1":            "'\r=1",
		"a=1":             "a=1",
	}
	for in, want := range tests {
		if got := escapeFormula(in); got != want {
			t.Errorf("escapeFormula(%q) = %q, want %q", in, got, want)
		}
	}
}

// benchCSV is a 100,000-row, 15-column talent list, built once.
var benchCSV = sync.OnceValue(func() []byte {
	surnames := []string{"张", "王", "李", "赵", "刘", "陈", "杨", "黄", "欧阳", "司马"}
	given := []string{"伟", "娜娜", "秀英", "磊", "静", "强", "敏", "洋", "建华", "婷"}
	degrees := []string{"博士", "硕士", "本科", "大专", "其他"}
	rng := rand.New(rand.NewPCG(7, 11))
	var buf bytes.Buffer
	buf.WriteString("姓名,性别,身份证号,手机号,学历,职称,职业技能等级,工作单位,统一社会信用代码,岗位,入职日期,电子邮箱,专业,毕业院校,备注\r\n")
	for i := range 100_000 {
		fmt.Fprintf(&buf, "%s%s,%s,5002271990%07d%d,1380013%04d,%s,中级,技师,重庆璧山某某科技有限公司,91500227MA5U%06d,研发工程师,2023-%02d-%02d,user%d@example.cn,机械工程,重庆大学,\"备注, 含逗号\"\r\n",
			surnames[rng.IntN(len(surnames))], given[rng.IntN(len(given))], []string{"男", "女"}[i%2],
			i, i%10, i%10000, degrees[i%len(degrees)], i, i%12+1, i%28+1, i)
	}
	return buf.Bytes()
})

func benchmarkRead(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	var rows, runs int
	for b.Loop() {
		runs++
		r, err := Open(data)
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := r.Next(); err != nil {
				if !errors.Is(err, io.EOF) {
					b.Fatal(err)
				}
				break
			}
			rows++
		}
	}
	if rows != runs*100_000 {
		b.Fatalf("read %d rows in %d runs", rows, runs)
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkReadCSV100k(b *testing.B) {
	benchmarkRead(b, benchCSV())
}

func BenchmarkReadCSV100kGBK(b *testing.B) {
	data, err := simplifiedchinese.GBK.NewEncoder().Bytes(benchCSV())
	if err != nil {
		b.Fatal(err)
	}
	benchmarkRead(b, data)
}
