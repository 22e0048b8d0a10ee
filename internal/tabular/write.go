package tabular

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// escapeFormula defuses CSV and formula injection as CSVWriter describes. A
// tab or carriage return counts because Excel skips it and runs what follows.
func escapeFormula(s string) string {
	if s == "" || !isFormulaLead(s[0]) {
		return s
	}
	if s[0] == '-' && isPlainNumber(s[1:]) {
		return s
	}
	return "'" + s
}

func isFormulaLead(b byte) bool {
	switch b {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

func isPlainNumber(s string) bool {
	whole, frac, dot := strings.Cut(s, ".")
	return whole != "" && allDigits(whole) && (!dot || (frac != "" && allDigits(frac)))
}

// CSVWriter writes a CSV file for Excel users, with CRLF line ends.
//
// A cell that starts with = + - @, a tab or a carriage return is written with
// a leading apostrophe, so that Excel and WPS show it as text instead of
// running it as a formula (CSV injection). A plain negative number such as -5
// or -3.5 is left alone: it cannot run anything and the apostrophe would spoil
// it. Open removes the apostrophe again, so an exported file uploads back
// unchanged.
type CSVWriter struct {
	w       io.Writer
	csv     *csv.Writer
	bom     bool
	started bool
	row     []string
}

// NewCSVWriter writes CSV for Excel users: enc is UTF8BOM (default; Excel
// detects it) or GB18030 (for old Excel versions).
func NewCSVWriter(w io.Writer, enc Encoding) *CSVWriter {
	cw := &CSVWriter{w: w}
	if enc == GB18030 {
		// Every record is flushed whole, so the encoder never holds half a
		// character between flushes and needs no Close of its own.
		cw.csv = csv.NewWriter(transform.NewWriter(w, simplifiedchinese.GB18030.NewEncoder()))
	} else {
		cw.bom = true
		cw.csv = csv.NewWriter(w)
	}
	cw.csv.UseCRLF = true
	return cw
}

// Write writes one row.
func (cw *CSVWriter) Write(cells []string) error {
	if err := cw.start(); err != nil {
		return err
	}
	cw.row = cw.row[:0]
	for _, c := range cells {
		cw.row = append(cw.row, escapeFormula(c))
	}
	return cw.csv.Write(cw.row)
}

// Flush writes any buffered rows to the underlying writer.
func (cw *CSVWriter) Flush() error {
	if err := cw.start(); err != nil {
		return err
	}
	cw.csv.Flush()
	return cw.csv.Error()
}

// start writes the byte order mark before anything else, even for a file
// with no rows, so that Excel still opens an empty export as UTF-8.
func (cw *CSVWriter) start() error {
	if cw.started {
		return nil
	}
	cw.started = true
	if cw.bom {
		_, err := cw.w.Write(bomUTF8)
		return err
	}
	return nil
}

// widthSample is how many rows the XLSX writer holds back to size its
// columns; excelize needs the widths before the first row is streamed.
const widthSample = 100

// XLSXWriter streams a one-sheet workbook.
type XLSXWriter struct {
	w          io.Writer
	f          *excelize.File
	sw         *excelize.StreamWriter
	sheet      string
	header     []string
	headStyle  int
	textStyle  int
	pending    [][]string
	rowNum     int
	started    bool
	closed     bool
	cellBuffer []any
}

// NewXLSXWriter streams a workbook with one sheet (excelize StreamWriter):
// bold frozen header row, column widths fitted to the header and the first
// rows, and every cell stored as text in a column formatted as text, so that
// identity and phone numbers never turn into numbers, not even when a clerk
// edits or adds a cell. Cells get the same apostrophe as CSVWriter's, though
// a text cell never runs, because a clerk may save the sheet as CSV. Close
// writes the workbook to w.
func NewXLSXWriter(w io.Writer, sheet string, header []string) (*XLSXWriter, error) {
	if len(header) == 0 {
		return nil, errors.New("tabular: an XLSX sheet needs a header")
	}
	if sheet == "" {
		sheet = "Sheet1"
	}
	f := excelize.NewFile()
	xw := &XLSXWriter{w: w, f: f, sheet: sheet, header: append([]string(nil), header...)}
	if err := xw.init(); err != nil {
		_ = f.Close()
		return nil, err
	}
	return xw, nil
}

func (xw *XLSXWriter) init() error {
	if xw.sheet != "Sheet1" {
		if err := xw.f.SetSheetName("Sheet1", xw.sheet); err != nil {
			return fmt.Errorf("tabular: sheet name %q: %w", xw.sheet, err)
		}
	}
	const text = 49 // Excel's built-in "@" (text) number format
	var err error
	if xw.textStyle, err = xw.f.NewStyle(&excelize.Style{NumFmt: text}); err != nil {
		return fmt.Errorf("tabular: text style: %w", err)
	}
	xw.headStyle, err = xw.f.NewStyle(&excelize.Style{
		NumFmt:    text,
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#F2F2F2"}},
		Alignment: &excelize.Alignment{Vertical: "center"},
	})
	if err != nil {
		return fmt.Errorf("tabular: header style: %w", err)
	}
	if xw.sw, err = xw.f.NewStreamWriter(xw.sheet); err != nil {
		return fmt.Errorf("tabular: stream writer: %w", err)
	}
	return nil
}

// WriteRow appends one row; it may not be longer than the header.
func (xw *XLSXWriter) WriteRow(cells []string) error {
	if xw.closed {
		return errors.New("tabular: WriteRow after Close")
	}
	if len(cells) > len(xw.header) {
		return fmt.Errorf("tabular: row has %d cells but the header has %d", len(cells), len(xw.header))
	}
	if !xw.started {
		xw.pending = append(xw.pending, append([]string(nil), cells...))
		if len(xw.pending) < widthSample {
			return nil
		}
		return xw.start()
	}
	return xw.setRow(cells, xw.textStyle)
}

// Close writes the workbook to w and removes excelize's temporary files.
func (xw *XLSXWriter) Close() error {
	if xw.closed {
		return nil
	}
	xw.closed = true
	err := xw.start()
	if err == nil {
		err = xw.sw.Flush()
	}
	if err == nil {
		_, err = xw.f.WriteTo(xw.w)
	}
	if cerr := xw.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// start fixes the sheet layout, then streams the header and the rows held
// back for sizing.
func (xw *XLSXWriter) start() error {
	if xw.started {
		return nil
	}
	xw.started = true
	n := len(xw.header)
	for col := range n {
		width := textWidth(xw.header[col]) + 3 // bold and the filter arrow a clerk may add
		for _, row := range xw.pending {
			if col < len(row) {
				width = max(width, textWidth(row[col])+2)
			}
		}
		if err := xw.sw.SetColWidth(col+1, col+1, float64(min(max(width, 8), 60))); err != nil {
			return err
		}
	}
	if err := xw.sw.SetColStyle(1, n, xw.textStyle); err != nil {
		return err
	}
	if err := xw.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := xw.setRow(xw.header, xw.headStyle); err != nil {
		return err
	}
	for _, row := range xw.pending {
		if err := xw.setRow(row, xw.textStyle); err != nil {
			return err
		}
	}
	xw.pending = nil
	return nil
}

func (xw *XLSXWriter) setRow(cells []string, style int) error {
	xw.rowNum++
	xw.cellBuffer = xw.cellBuffer[:0]
	for _, c := range cells {
		cell := excelize.Cell{StyleID: style}
		if c != "" {
			cell.Value = escapeFormula(c)
		}
		xw.cellBuffer = append(xw.cellBuffer, cell)
	}
	ref, err := excelize.CoordinatesToCellName(1, xw.rowNum)
	if err != nil {
		return err
	}
	return xw.sw.SetRow(ref, xw.cellBuffer)
}

// textWidth approximates a column width in Excel's units (the width of a
// digit): CJK and full-width characters take two. A multi-line cell is as
// wide as its longest line.
func textWidth(s string) int {
	widest, w := 0, 0
	for _, r := range s {
		switch {
		case r == '\n':
			widest, w = max(widest, w), 0
		case r >= 0x2E80 && (r < 0xFF61 || r > 0xFFDC):
			w += 2
		default:
			w++
		}
	}
	return max(widest, w)
}

// RowWriter is what a download writes its rows to, whatever its format: an
// XLSXWriter, or a CSVWriter whose Close flushes it.
type RowWriter interface {
	WriteRow(cells []string) error
	Close() error
}

// csvRows is a CSVWriter as a RowWriter.
type csvRows struct{ w *CSVWriter }

func (c csvRows) WriteRow(cells []string) error { return c.w.Write(cells) }
func (c csvRows) Close() error                  { return c.w.Flush() }

// NewRowWriter starts a download of the rows under header: format "xlsx" is
// a workbook of one sheet so named; anything else is CSV, encoded GB18030 when
// encoding is "gbk" and UTF-8 with a byte order mark otherwise.
func NewRowWriter(w io.Writer, format, encoding, sheet string, header []string) (RowWriter, error) {
	if format == "xlsx" {
		return NewXLSXWriter(w, sheet, header)
	}
	enc := UTF8BOM
	if encoding == "gbk" {
		enc = GB18030
	}
	cw := NewCSVWriter(w, enc)
	return csvRows{cw}, cw.Write(header)
}
