// Package tabular reads and writes the spreadsheets that HR departments and
// the talent office exchange: CSV files as Excel on Chinese Windows saves them
// (UTF-8, UTF-8 with a byte order mark, or GB18030) and XLSX workbooks.
//
// It knows nothing of talents: it turns bytes into rows of trimmed strings and
// rows of strings into files. XLSX goes through github.com/xuri/excelize/v2,
// the actively maintained pure-Go library for OOXML workbooks, chosen for its
// streaming row reader and stream writer, which keep large lists out of
// memory.
//
// Every error it returns for a bad upload is safe to show to the clerk who
// sent it; see ErrInvalidFile and RowError.
package tabular

import (
	"errors"
	"fmt"
)

// Limits that protect the server from a hostile or broken upload. The caller
// bounds the size of the file itself.
const (
	// MaxColumns is the largest number of header columns a file may have.
	MaxColumns = 200
	// MaxCellBytes is the largest cell, in bytes of UTF-8 (Excel's own limit is 32,767 characters).
	MaxCellBytes = 32 << 10
	// MaxUnpackedBytes bounds the total unpacked size of the parts of an XLSX file that are read
	// (worksheets, shared strings, styles, the workbook), so a small zip bomb cannot exhaust
	// memory or disk, nor the time spent reading. A 100,000-row, twenty-column export of this
	// package (inline strings, the bulkiest form) unpacks to 144 MiB; Excel's own form of it,
	// with shared strings, to under 90 MiB.
	MaxUnpackedBytes = 256 << 20
)

// Limits on what an XLSX file holds, checked part by part before excelize opens it (see
// inspect.go), because excelize decodes styles, shared strings and the workbook whole into Go
// values many times the size of their text. Each is far beyond a real list of talent and
// within Excel's own limits where Excel has one; a file past any of them is refused with
// ErrTooLarge and a message naming what is too large.
const (
	// MaxParts bounds the entries of the zip: archive/zip allocates one for every directory
	// record, and an upload of empty entries has room for 700,000. A workbook has a dozen
	// parts plus a few for every sheet, picture and chart.
	MaxParts = 10_000
	// MaxSheets bounds the worksheets; excelize matches every sheet against every
	// relationship of the workbook.
	MaxSheets = 1_024
	// MaxXMLDepth bounds the nesting of elements in a part: the decoder keeps a stack entry
	// for every open element. Excel nests a dozen deep.
	MaxXMLDepth = 64
	// MaxCellFormats bounds the cell formats (<xf> records of cellXfs) of the styles, of which
	// excelize keeps a value each. Excel allows 64,000 distinct cell formats in a workbook.
	MaxCellFormats = 65_536
	// MaxNumberFormats bounds the custom number formats; excelize looks every formatted number
	// up in their list. Excel allows some 250.
	MaxNumberFormats = 1_024
	// MaxSharedStrings bounds the distinct texts of a workbook (Excel stores each once, in the
	// shared strings). excelize keeps an index entry of 40 bytes for each, the largest cost of
	// reading a workbook. A 100,000-row list has three to five distinct texts a row (name,
	// identity number, mobile, e-mail); a longer list can be uploaded as CSV, which has no such
	// table.
	MaxSharedStrings = 1 << 19
	// MaxRows is Excel's own row limit, which excelize also enforces.
	MaxRows = 1 << 20
	// MaxCells bounds the cells of a worksheet, empty formatted ones included, and so the time
	// spent reading it: a 200,000-row list of twenty columns has 4 million.
	MaxCells = 5_000_000
	// MaxRowCells is Excel's own column limit: a row is read whole, and a row of millions of
	// cells without references is still one row.
	MaxRowCells = 16_384
	// MaxRowBytes bounds the text of one row, in XLSX counting every shared string a cell
	// refers to (the row is held whole while it is read, and one long shared string can be
	// referred to by every cell of it), in CSV the record as written. Sixty-four cells of
	// MaxCellBytes fit; a real row is a few hundred bytes.
	MaxRowBytes = 2 << 20
)

// Limits of the same kind that no genuine file comes near, so the clerk never needs to know them.
const (
	// maxTokenBytes bounds one XML token: a text, a tag with its attributes, a comment. The
	// decoder buffers each whole. Excel's longest, a cell of 32,767 characters, is under
	// 100 KiB of UTF-8, and under 300 KiB even written as character references. It bounds
	// the text of one cell or shared string too.
	maxTokenBytes = 1 << 20
	// maxItemElements bounds the elements of one cell or shared string: rich text runs are
	// decoded whole, one value of some 150 bytes each.
	maxItemElements = 16_384
	// maxStructureElements bounds the workbook, its relationships and content types, each
	// decoded whole, at up to 500 bytes an element (a defined name). A workbook has a dozen
	// parts and a relationship for each; content types name each part.
	maxStructureElements = 16_384
	// maxStylesBytes bounds the styles part, which is read with name spaces resolved, at some
	// 10 MiB a second. A style sheet at Excel's limits, 64,000 cell formats in each of its two
	// tables, is some 20 MiB.
	maxStylesBytes = 32 << 20
	// maxFormatCodeBytes bounds a number format; Excel's limit is 255 characters.
	maxFormatCodeBytes = 1 << 10
	// xmlInMemoryBytes is the size up to which excelize keeps a worksheet or the shared strings
	// in memory rather than in a temporary file. Larger shared strings are kept as an index
	// of about 40 bytes a string instead of a decoded value of about 250.
	xmlInMemoryBytes = 1 << 20
	// maxResidentBytes bounds the parts excelize holds in memory unpacked: the workbook, its
	// relationships and content types, and the worksheets and shared strings up to
	// xmlInMemoryBytes. (The styles reach excelize as their digest, a few MiB at most.)
	maxResidentBytes = 16 << 20
)

// ErrInvalidFile is matched (errors.Is) by every error that describes a
// problem with the uploaded file as a whole, so a caller maps them all to one
// client error; the more specific sentinels below tell the kinds apart.
var ErrInvalidFile = errors.New("invalid file")

// Kinds of invalid file. Each error returned for them wraps both the kind and
// ErrInvalidFile, and its message is written for the clerk who uploaded it.
var (
	// ErrEmpty reports a file without a single non-empty row.
	ErrEmpty = errors.New("file is empty")
	// ErrUnknownFormat reports bytes that are neither a CSV text nor an XLSX workbook.
	ErrUnknownFormat = errors.New("not a CSV or XLSX file")
	// ErrNoWorksheet reports a workbook without a visible worksheet.
	ErrNoWorksheet = errors.New("the workbook has no worksheet")
	// ErrMalformedCSV reports broken quoting in a CSV file; the message names the line.
	ErrMalformedCSV = errors.New("malformed CSV")
	// ErrTooLarge reports a file beyond one of the limits above.
	ErrTooLarge = errors.New("the file is too large")
)

// fileError carries a message for the clerk while still matching its kind and
// ErrInvalidFile, so callers need not parse text to choose a status code.
type fileError struct {
	kind error
	msg  string
}

func (e *fileError) Error() string   { return e.msg }
func (e *fileError) Unwrap() []error { return []error{e.kind, ErrInvalidFile} }

func invalid(kind error, format string, args ...any) error {
	return &fileError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// RowError reports one bad row; reading may go on with the next row, so a
// caller can list every bad row of an upload instead of stopping at the first.
type RowError struct {
	// Line is the row number as the clerk sees it in Excel or a text editor.
	Line int
	// Reason says what is wrong, in words fit for the clerk.
	Reason string
}

// Error returns the reason prefixed by the line number.
func (e *RowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// Row is one non-empty data row.
type Row struct {
	// Line is the 1-based row number the clerk sees: the spreadsheet row, or
	// for CSV the line on which the record starts.
	Line int
	// Cells has exactly len(Header()) trimmed values, "" for missing ones.
	Cells []string
}

// Encoding selects the character encoding of a written CSV file.
type Encoding int

const (
	// UTF8BOM is UTF-8 led by a byte order mark, by which Excel recognises UTF-8; the default.
	UTF8BOM Encoding = iota
	// GB18030 is for Excel versions that ignore the byte order mark and assume the Chinese ANSI code page.
	GB18030
)
