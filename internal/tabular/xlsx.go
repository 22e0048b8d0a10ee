package tabular

import (
	"archive/zip"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// The formats every date renders in: time.DateOnly and time.DateTime. The
// locale tag changes nothing in an all-numeric date, but without one excelize
// searches every language it knows for each date cell it formats, which
// took more than half the time of reading a list with two date columns.
const (
	isoDate     = "[$-409]yyyy-mm-dd"
	isoDateTime = "[$-409]yyyy-mm-dd hh:mm:ss"
)

// openXLSX reads the first visible worksheet, cells rendered as Reader
// describes, after inspectXLSX has checked the parts against the limits.
func openXLSX(data []byte) (*Reader, error) {
	parts, err := inspectXLSX(data)
	if err != nil {
		return nil, err
	}
	// excelize reads the archive it is given whole, so it is given only the
	// parts inspected, copied still compressed through a pipe: no second
	// copy of the upload, and nothing the inspection did not see.
	pr, pw := io.Pipe()
	go func() { _ = pw.CloseWithError(copyParts(pw, parts)) }()
	f, err := excelize.OpenReader(pr, excelize.Options{UnzipSizeLimit: MaxUnpackedBytes, UnzipXMLSizeLimit: xmlInMemoryBytes})
	_ = pr.CloseWithError(io.ErrClosedPipe) // ends the copy if excelize stopped reading early
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		return nil, invalid(ErrUnknownFormat, "%s: the workbook is damaged", ErrUnknownFormat)
	}
	src := &xlsxSource{f: f}
	for _, name := range f.GetSheetList() {
		if visible, err := f.GetSheetVisible(name); err == nil && visible {
			src.sheet = name
			break
		}
	}
	if src.sheet == "" {
		_ = f.Close()
		return nil, fail(ErrNoWorksheet)
	}
	if err := isoDates(f); err != nil {
		_ = f.Close()
		return nil, invalid(ErrUnknownFormat, "%s: the workbook's styles are damaged", ErrUnknownFormat)
	}
	if src.rows, err = f.Rows(src.sheet); err != nil {
		_ = f.Close()
		return nil, invalid(ErrUnknownFormat, "%s: the worksheet %q cannot be read", ErrUnknownFormat, src.sheet)
	}
	return &Reader{format: "xlsx", src: src}, nil
}

// copyParts writes a zip of parts, their compressed data copied as it is,
// the styles replaced by their digest.
func copyParts(w io.Writer, parts []workbookPart) error {
	zw := zip.NewWriter(w)
	for _, p := range parts {
		if p.styles != nil {
			dst, err := zw.CreateHeader(&zip.FileHeader{Name: p.f.Name, Method: zip.Deflate})
			if err != nil {
				return err
			}
			if err := p.styles.write(dst); err != nil {
				return err
			}
			continue
		}
		raw, err := p.f.OpenRaw()
		if err != nil {
			return err
		}
		fh := p.f.FileHeader
		dst, err := zw.CreateRaw(&fh)
		if err != nil {
			return err
		}
		if _, err := io.Copy(dst, raw); err != nil {
			return err
		}
	}
	return zw.Close()
}

type xlsxSource struct {
	f     *excelize.File
	sheet string
	rows  *excelize.Rows
	line  int
	// raw is a second iterator over the same sheet, opened only when a row
	// needs the unformatted value of a number; rawLine is its position.
	raw      *excelize.Rows
	rawLine  int
	rawCells []string
}

func (s *xlsxSource) next() (int, []string, error) {
	if !s.rows.Next() {
		if s.rows.Error() != nil {
			return 0, nil, s.damaged()
		}
		return 0, nil, io.EOF
	}
	// The iterator yields every row number, empty ones included, so its
	// count is the row number Excel shows.
	s.line++
	cells, err := s.rows.Columns()
	if err != nil {
		return 0, nil, s.damaged()
	}
	for i, c := range cells {
		if !isScientific(c) {
			continue
		}
		raw, err := s.rawRow()
		if err != nil {
			return 0, nil, s.damaged()
		}
		if i < len(raw) && raw[i] != c {
			if digits, ok := plainDigits(raw[i]); ok {
				cells[i] = digits
			}
		}
	}
	return s.line, cells, nil
}

func (s *xlsxSource) damaged() error {
	return invalid(ErrUnknownFormat, "%s: the worksheet %q is damaged near row %d", ErrUnknownFormat, s.sheet, s.line)
}

// rawRow returns the current row's cells as stored, unformatted. excelize
// cannot give both the formatted and the stored value of a cell in one
// pass, and parsing the sheet twice is only worth it for files that need it.
func (s *xlsxSource) rawRow() ([]string, error) {
	if s.rawLine == s.line {
		return s.rawCells, nil
	}
	if s.raw == nil {
		var err error
		if s.raw, err = s.f.Rows(s.sheet); err != nil {
			return nil, err
		}
	}
	for s.rawLine < s.line {
		if !s.raw.Next() {
			return nil, io.ErrUnexpectedEOF
		}
		s.rawLine++
	}
	var err error
	s.rawCells, err = s.raw.Columns(excelize.Options{RawCellValue: true})
	return s.rawCells, err
}

func (s *xlsxSource) close() error {
	err := s.rows.Close()
	if s.raw != nil {
		_ = s.raw.Close()
	}
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// isScientific matches what excelize and Excel show for a number too long for
// its column: a mantissa and a positive exponent, such as 1.10101E+17.
func isScientific(s string) bool {
	s = strings.TrimPrefix(s, "-")
	mant, exp, ok := strings.Cut(s, "E+")
	if !ok || mant == "" || exp == "" || !allDigits(exp) {
		return false
	}
	whole, frac, dot := strings.Cut(mant, ".")
	return len(whole) == 1 && allDigits(whole) && (!dot || (frac != "" && allDigits(frac)))
}

// plainDigits writes a stored number without an exponent, keeping the file's
// own digits when it has them rather than float64's rounding of them.
func plainDigits(raw string) (string, bool) {
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsInf(v, 0) || math.Abs(v) >= 1e21 {
		return "", false
	}
	whole, frac, dot := strings.Cut(strings.TrimPrefix(raw, "-"), ".")
	if allDigits(whole) && whole != "" && (!dot || (frac != "" && allDigits(frac))) {
		return raw, true
	}
	return strconv.FormatFloat(v, 'f', -1, 64), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

type dateKind int

const (
	notDate dateKind = iota
	dateOnly
	dateAndTime
)

// isoDates points every date number format of the workbook at an ISO one,
// in memory only. The streaming row iterator hides each cell's style, so the
// only place to change how dates render is the style table it formats with.
// That table is reachable through excelize's exported File.Styles field,
// whose fields are exported although its type is not; a change there breaks
// the build or TestOpen_XLSXDates, not the data.
func isoDates(f *excelize.File) error {
	ss := f.Styles
	if ss == nil || ss.CellXfs == nil {
		return nil
	}
	custom := map[int]string{}
	if ss.NumFmts != nil {
		for _, nf := range ss.NumFmts.NumFmt {
			if nf == nil {
				continue
			}
			code := nf.FormatCode
			if nf.FormatCode16 != "" {
				code = nf.FormatCode16
			}
			custom[nf.NumFmtID] = code
		}
	}
	var dates, dateTimes []int
	for i, xf := range ss.CellXfs.Xf {
		if xf.NumFmtID == nil {
			continue
		}
		switch numFmtKind(*xf.NumFmtID, custom) {
		case dateOnly:
			dates = append(dates, i)
		case dateAndTime:
			dateTimes = append(dateTimes, i)
		}
	}
	for _, group := range []struct {
		xfs  []int
		code string
	}{{dates, isoDate}, {dateTimes, isoDateTime}} {
		if len(group.xfs) == 0 {
			continue
		}
		code := group.code
		style, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
		if err != nil {
			return err
		}
		id := ss.CellXfs.Xf[style].NumFmtID
		if id == nil {
			return errors.New("tabular: excelize registered no number format")
		}
		for _, i := range group.xfs {
			ss.CellXfs.Xf[i].NumFmtID = id
		}
	}
	return nil
}

// numFmtKind classifies a number format. Built-in formats 27–36 and 50–58
// are locale-specific; in every CJK locale the ones listed here are dates.
func numFmtKind(id int, custom map[int]string) dateKind {
	if code, ok := custom[id]; ok {
		return formatCodeKind(code)
	}
	switch {
	case id >= 14 && id <= 17, id >= 27 && id <= 31, id == 36, id >= 50 && id <= 54, id == 57, id == 58:
		return dateOnly
	case id == 22:
		return dateAndTime
	}
	return notDate
}

// formatCodeKind reads the first section of a format code (the one for
// positive numbers, which dates are), skipping literal text, escapes and
// bracketed colours, conditions and locales. "m" is a month unless an hour or
// second is present, as in Excel.
func formatCodeKind(code string) dateKind {
	var date, month, clock bool
scan:
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch c {
		case ';':
			break scan
		case '"':
			if j := strings.IndexByte(code[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				break scan
			}
		case '\\', '_', '*':
			i++
		case '[':
			j := strings.IndexByte(code[i:], ']')
			if j < 0 {
				break scan
			}
			if inner := strings.ToLower(code[i+1 : i+j]); inner != "" && strings.Trim(inner, "hms") == "" {
				clock = true // elapsed time such as [h]:mm
			}
			i += j
		default:
			rest := strings.ToLower(code[i:])
			switch {
			case strings.HasPrefix(rest, "general"):
				i += len("general") - 1
			case strings.HasPrefix(rest, "am/pm"):
				clock, i = true, i+len("am/pm")-1
			case strings.HasPrefix(rest, "a/p"):
				clock, i = true, i+len("a/p")-1
			default:
				switch rest[0] {
				case 'y', 'd':
					date = true
				case 'h', 's':
					clock = true
				case 'm':
					month = true
				}
			}
		}
	}
	date = date || (month && !clock)
	switch {
	case date && clock:
		return dateAndTime
	case date:
		return dateOnly
	}
	return notDate
}
