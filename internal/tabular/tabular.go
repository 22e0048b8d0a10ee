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
	// MaxUnpackedBytes bounds the total unpacked size of an XLSX file, so a small zip bomb cannot exhaust memory or disk.
	MaxUnpackedBytes = 256 << 20
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
