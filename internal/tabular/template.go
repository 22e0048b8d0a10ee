package tabular

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
)

// ColumnKind is what a template column holds, which decides its cell format and its check.
type ColumnKind int

const (
	// TextColumn cells are text, so that identity and phone numbers never turn into numbers.
	TextColumn ColumnKind = iota
	// DateColumn cells are dates shown as 2006-01-02, checked to be dates.
	DateColumn
	// WholeColumn cells are whole numbers between Min and Max.
	WholeColumn
)

// TemplateColumn is one column of a template's data sheet.
type TemplateColumn struct {
	Header string
	// Required columns have their header in red.
	Required bool
	Kind     ColumnKind
	// Choices, when set, become the cell's drop-down list. Strict refuses any other value;
	// otherwise Excel warns and lets the clerk keep what they typed (for cells that take
	// several values or a year beside the choice).
	Choices []string
	Strict  bool
	// Min and Max bound a WholeColumn.
	Min, Max int
	// Prompt is shown when the clerk selects a cell of the column; Error when a value breaks
	// the column's rule.
	Prompt, Error string
}

// Template is a workbook for clerks to fill in without reading any documentation: a data sheet
// with a frozen header, an example row and a rule per column (drop-down lists, dates, whole
// numbers, input hints), and a sheet of instructions.
type Template struct {
	Sheet   string
	Columns []TemplateColumn
	// Example is the example row, one cell per column; dates as 2006-01-02.
	Example []string
	// ExampleNote is attached as a comment to the example row's first cell.
	ExampleNote string
	// Instructions is the second sheet: a header row and rows of text.
	InstructionsSheet string
	Instructions      [][]string
}

// templateRows is how far down the data sheet the column rules reach: far beyond any list a
// clerk types by hand, and Excel's own last row.
const templateRows = 1 << 20

// Excel's limits on data validation texts, in characters.
const (
	maxPromptTitle = 32
	maxPromptText  = 255
)

// WriteTemplate writes t as an XLSX workbook to w.
func WriteTemplate(w io.Writer, t Template) error {
	if len(t.Columns) == 0 || len(t.Example) > len(t.Columns) {
		return errors.New("tabular: a template needs columns, and no more example cells than columns")
	}
	f := excelize.NewFile()
	defer f.Close()
	tw := &templateWriter{f: f, t: t}
	for _, step := range []func() error{tw.styles, tw.dataSheet, tw.instructionSheet} {
		if err := step(); err != nil {
			return err
		}
	}
	_, err := f.WriteTo(w)
	return err
}

// templateWriter builds one template workbook.
type templateWriter struct {
	f *excelize.File
	t Template
	// Styles: the header (plain and required), and per kind the column and the example row.
	header, requiredHeader int
	column, example        map[ColumnKind]int
	wrap, bold             int
}

const (
	textFormat = 49 // Excel's built-in "@" (text) number format
	dateFormat = "yyyy-mm-dd"
)

func (tw *templateWriter) styles() error {
	f := tw.f
	headerStyle := func(color string) (int, error) {
		return f.NewStyle(&excelize.Style{NumFmt: textFormat, Font: &excelize.Font{Bold: true, Color: color},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#F2F2F2"}},
			Alignment: &excelize.Alignment{Vertical: "center"}})
	}
	var err error
	if tw.header, err = headerStyle("#000000"); err != nil {
		return err
	}
	if tw.requiredHeader, err = headerStyle("#C00000"); err != nil {
		return err
	}
	tw.column, tw.example = map[ColumnKind]int{}, map[ColumnKind]int{}
	for _, kind := range []ColumnKind{TextColumn, DateColumn, WholeColumn} {
		var plain, sample excelize.Style
		switch kind {
		case TextColumn:
			plain.NumFmt = textFormat
		case DateColumn:
			format := dateFormat
			plain.CustomNumFmt = &format
		}
		sample = plain
		sample.Font = &excelize.Font{Italic: true, Color: "#808080"}
		if tw.column[kind], err = f.NewStyle(&plain); err != nil {
			return err
		}
		if tw.example[kind], err = f.NewStyle(&sample); err != nil {
			return err
		}
	}
	if tw.wrap, err = f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}); err != nil {
		return err
	}
	tw.bold, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#F2F2F2"}}})
	return err
}

// dataSheet writes the sheet clerks fill in.
func (tw *templateWriter) dataSheet() error {
	f, t := tw.f, tw.t
	sheet := t.Sheet
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("tabular: sheet name %q: %w", sheet, err)
	}
	for i, c := range t.Columns {
		col, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		width := textWidth(c.Header) + 4
		if i < len(t.Example) {
			width = max(width, textWidth(t.Example[i])+2)
		}
		if err := f.SetColWidth(sheet, col, col, float64(min(max(width, 10), 40))); err != nil {
			return err
		}
		if err := f.SetColStyle(sheet, col, tw.column[c.Kind]); err != nil {
			return err
		}
		style := tw.header
		if c.Required {
			style = tw.requiredHeader
		}
		if err := tw.cell(sheet, col+"1", c.Header, TextColumn, style); err != nil {
			return err
		}
		if i < len(t.Example) {
			if err := tw.cell(sheet, col+"2", t.Example[i], c.Kind, tw.example[c.Kind]); err != nil {
				return err
			}
		}
		if err := tw.rule(sheet, col, c); err != nil {
			return fmt.Errorf("tabular: column %s: %w", c.Header, err)
		}
	}
	if t.ExampleNote != "" && len(t.Example) > 0 {
		if err := f.AddComment(sheet, excelize.Comment{Cell: "A2", Author: "说明", Text: t.ExampleNote}); err != nil {
			return err
		}
	}
	return f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

// cell writes one value as its column's kind: a date as a date, a whole number as a number.
func (tw *templateWriter) cell(sheet, ref, value string, kind ColumnKind, style int) error {
	var err error
	switch {
	case value == "":
	case kind == DateColumn:
		var d time.Time
		if d, err = time.Parse("2006-01-02", value); err == nil {
			err = tw.f.SetCellValue(sheet, ref, d)
		}
	case kind == WholeColumn:
		var n int
		if n, err = strconv.Atoi(value); err == nil {
			err = tw.f.SetCellInt(sheet, ref, int64(n))
		}
	default:
		err = tw.f.SetCellStr(sheet, ref, value)
	}
	if err != nil {
		return fmt.Errorf("tabular: cell %s: %w", ref, err)
	}
	return tw.f.SetCellStyle(sheet, ref, ref, style)
}

// rule adds a column's check and input hint to every row below the header.
func (tw *templateWriter) rule(sheet, col string, c TemplateColumn) error {
	dv := excelize.NewDataValidation(true)
	dv.SetSqref(fmt.Sprintf("%s2:%s%d", col, col, templateRows))
	style := excelize.DataValidationErrorStyleStop
	switch {
	case len(c.Choices) > 0:
		if err := dv.SetDropList(c.Choices); err != nil {
			return err
		}
		if !c.Strict {
			style = excelize.DataValidationErrorStyleWarning
		}
	case c.Kind == DateColumn:
		// From March 1900: before it Excel's serial numbers count a 29 February 1900 that never was.
		if err := dv.SetRange(excelSerial(1900, 3, 1), excelSerial(2100, 12, 31), excelize.DataValidationTypeDate,
			excelize.DataValidationOperatorBetween); err != nil {
			return err
		}
	case c.Kind == WholeColumn:
		if err := dv.SetRange(c.Min, c.Max, excelize.DataValidationTypeWhole, excelize.DataValidationOperatorBetween); err != nil {
			return err
		}
	case c.Prompt == "":
		return nil // a free text column without a hint needs no rule
	}
	title := truncate(c.Header, maxPromptTitle)
	if c.Prompt != "" {
		dv.SetInput(title, truncate(c.Prompt, maxPromptText))
	}
	if c.Error != "" {
		dv.SetError(style, title, truncate(c.Error, maxPromptText))
	}
	return tw.f.AddDataValidation(sheet, dv)
}

// instructionSheet writes the instructions, one row each, the first row as a header.
func (tw *templateWriter) instructionSheet() error {
	f, t := tw.f, tw.t
	if t.InstructionsSheet == "" {
		return nil
	}
	sheet := t.InstructionsSheet
	if _, err := f.NewSheet(sheet); err != nil {
		return err
	}
	widths := map[int]int{}
	for r, row := range t.Instructions {
		for c, text := range row {
			ref, err := excelize.CoordinatesToCellName(c+1, r+1)
			if err != nil {
				return err
			}
			if err := f.SetCellStr(sheet, ref, text); err != nil {
				return err
			}
			style := tw.wrap
			if r == 0 {
				style = tw.bold
			}
			if err := f.SetCellStyle(sheet, ref, ref, style); err != nil {
				return err
			}
			widths[c] = max(widths[c], textWidth(text)+2)
		}
	}
	for c, w := range widths {
		col, err := excelize.ColumnNumberToName(c + 1)
		if err != nil {
			return err
		}
		if err := f.SetColWidth(sheet, col, col, float64(min(max(w, 10), 60))); err != nil {
			return err
		}
	}
	return f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

// excelSerial is the serial number Excel stores for a date: days since 30 December 1899.
func excelSerial(year int, month time.Month, day int) int {
	return int(time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24)
}

// truncate shortens s to n characters, Excel's limit for the text it is put in.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
