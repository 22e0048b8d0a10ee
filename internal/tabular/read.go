package tabular

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// sniffBytes is how much decoded text is inspected to tell text from binary
// and to choose the separator; one bufio buffer, so it costs no extra copy.
const sniffBytes = 64 << 10

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
	zipMagic   = []byte("PK\x03\x04")
	// oleMagic starts both the old binary .xls and an encrypted .xlsx.
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// source yields the raw cells of each row, or io.EOF; the slice may be reused
// by the following call.
type source interface {
	next() (line int, cells []string, err error)
	close() error
}

// Reader streams the rows of an uploaded CSV or XLSX file.
//
// Cells are trimmed of white space (including the ideographic space U+3000
// and stray byte order marks), and a leading apostrophe that protects a
// formula character (see NewCSVWriter) is removed, so that a file exported by
// this package and uploaded again reads back as it was.
//
// XLSX cells come back as Excel displays them (number formats applied), with
// two exceptions. A date cell comes back as 2006-01-02 and a date-and-time
// cell as 2006-01-02 15:04:05, whatever format the workbook shows them in, so
// callers need not know about serial numbers or the many Chinese date
// formats; a time-only cell and a date typed as text keep their text. A number
// that Excel would show in scientific notation (1.10101E+17) comes back with
// all the digits the file stores. Excel itself stores at most 15 significant
// digits: an 18-digit identity number typed into a numeric cell has lost its
// last three digits (they read as 000) before the file reaches us; only a text
// cell keeps it whole.
type Reader struct {
	format   string
	encoding string
	src      source
	header   []string
	// err ends reading after a file-level failure; a RowError does not.
	err    error
	closed bool
}

// Open detects the format of data (XLSX by its zip signature and workbook
// content, otherwise CSV) and returns a streaming row reader positioned after
// the header. data must not change while the Reader is in use. Every limit
// that refuses a whole file (ErrTooLarge, see tabular.go) is checked here,
// before any of the file is expanded and before its first row is read.
func Open(data []byte) (*Reader, error) {
	var (
		r   *Reader
		err error
	)
	switch {
	case len(data) == 0:
		return nil, fail(ErrEmpty)
	case bytes.HasPrefix(data, zipMagic):
		r, err = openXLSX(data)
	case bytes.HasPrefix(data, oleMagic):
		return nil, invalid(ErrUnknownFormat, "%s: it looks like an old .xls workbook or a password-protected one; save it as .xlsx without a password", ErrUnknownFormat)
	default:
		r, err = openCSV(data)
	}
	if err != nil {
		return nil, err
	}
	if err := r.readHeader(); err != nil {
		_ = r.Close()
		return nil, err
	}
	return r, nil
}

// Format returns "csv" or "xlsx".
func (r *Reader) Format() string { return r.format }

// Encoding returns the detected encoding of a CSV file: "utf-8", "utf-8-bom",
// "gb18030", or "utf-16le"/"utf-16be" (Excel's "Unicode text"); "" for XLSX.
func (r *Reader) Encoding() string { return r.encoding }

// Header returns the first non-empty row, without trailing empty cells; the
// caller must not modify it.
func (r *Reader) Header() []string { return r.header }

// Next returns the next non-empty row, or io.EOF after the last. A *RowError
// rejects that row only (Row.Line names it, Row.Cells is nil) and the next
// call goes on; any other error ends reading and is returned again.
func (r *Reader) Next() (Row, error) {
	if r.err != nil {
		return Row{}, r.err
	}
	for {
		line, cells, err := r.src.next()
		if err != nil {
			r.err = err
			return Row{}, err
		}
		last := cleanCells(cells)
		if last < 0 {
			continue
		}
		if last >= len(r.header) {
			return Row{Line: line}, &RowError{Line: line, Reason: fmt.Sprintf(
				"a value in column %d, beyond the %d columns of the header", last+1, len(r.header))}
		}
		for i, c := range cells[:last+1] {
			if len(c) > MaxCellBytes {
				return Row{Line: line}, &RowError{Line: line, Reason: fmt.Sprintf(
					"the value in column %d is longer than %d KiB", i+1, MaxCellBytes>>10)}
			}
		}
		out := make([]string, len(r.header))
		copy(out, cells)
		return Row{Line: line, Cells: out}, nil
	}
}

// Close releases the temporary files a large workbook may have needed.
func (r *Reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	return r.src.close()
}

func (r *Reader) readHeader() error {
	for {
		_, cells, err := r.src.next()
		if errors.Is(err, io.EOF) {
			return fail(ErrEmpty)
		}
		if err != nil {
			return err
		}
		last := cleanCells(cells)
		if last < 0 {
			continue
		}
		if last >= MaxColumns {
			return invalid(ErrTooLarge, "the header has %d columns; at most %d are allowed", last+1, MaxColumns)
		}
		for i, c := range cells[:last+1] {
			if len(c) > MaxCellBytes {
				return invalid(ErrTooLarge, "the header cell in column %d is longer than %d KiB", i+1, MaxCellBytes>>10)
			}
		}
		r.header = append([]string(nil), cells[:last+1]...)
		return nil
	}
}

func fail(kind error) error { return &fileError{kind: kind, msg: kind.Error()} }

// cleanCells cleans cells in place and returns the index of the last
// non-empty one, or -1 for a blank row.
func cleanCells(cells []string) int {
	last := -1
	for i, c := range cells {
		c = clean(c)
		cells[i] = c
		if c != "" {
			last = i
		}
	}
	return last
}

func clean(s string) string {
	if s == "" {
		return s
	}
	// Most cells need no trimming; checking the ends first keeps the common
	// case free of rune decoding.
	if first, last := s[0], s[len(s)-1]; first > ' ' && first < utf8.RuneSelf && first != '\'' &&
		last > ' ' && last < utf8.RuneSelf {
		return s
	}
	s = strings.TrimFunc(s, isBlank)
	if len(s) > 1 && s[0] == '\'' && isFormulaLead(s[1]) {
		s = strings.TrimFunc(s[1:], isBlank)
	}
	return s
}

func isBlank(r rune) bool {
	return unicode.IsSpace(r) || r == '\uFEFF' || r == '\u200B'
}

func openCSV(data []byte) (*Reader, error) {
	var (
		// text returns a new reader of the decoded text at each call.
		text func() io.Reader
		enc  string
	)
	switch {
	case bytes.HasPrefix(data, bomUTF8):
		text, enc = plain(data[len(bomUTF8):]), "utf-8-bom"
	case bytes.HasPrefix(data, bomUTF16LE):
		text, enc = decoded(data, xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM)), "utf-16le"
	case bytes.HasPrefix(data, bomUTF16BE):
		text, enc = decoded(data, xunicode.UTF16(xunicode.BigEndian, xunicode.ExpectBOM)), "utf-16be"
	default:
		switch utf8Quality(data) {
		case utf8Valid:
			text, enc = plain(data), "utf-8"
		case utf8Mostly:
			// A UTF-8 file with a few broken bytes is far more likely than
			// GB18030 text that happens to decode as UTF-8; replacing those
			// bytes loses one character instead of garbling every one.
			text, enc = decoded(data, xunicode.UTF8), "utf-8"
		default:
			text, enc = decoded(data, simplifiedchinese.GB18030), "gb18030"
		}
	}
	br := bufio.NewReaderSize(text(), sniffBytes)
	head, _ := br.Peek(sniffBytes) // a shorter file is no error
	if looksBinary(head, enc == "gb18030") {
		return nil, fail(ErrUnknownFormat)
	}
	// Every row is measured before the first is read, so that a file with
	// one row too large is refused whole, as a workbook is, rather than
	// after its first rows have been taken.
	if err := measureRows(text()); err != nil {
		return nil, err
	}
	cr := csv.NewReader(br)
	cr.Comma = sniffComma(head)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return &Reader{format: "csv", encoding: enc, src: &csvSource{r: cr}}, nil
}

// plain and decoded make the text constructors of openCSV.
func plain(data []byte) func() io.Reader {
	return func() io.Reader { return bytes.NewReader(data) }
}

func decoded(data []byte, enc encoding.Encoding) func() io.Reader {
	return func() io.Reader { return decode(data, enc.NewDecoder()) }
}

// measureRows bounds each row of a CSV text. encoding/csv holds a whole
// record while it reads it, and keeps about 40 bytes for every field, so one
// line of 32 MiB, or of 32 million commas, would cost hundreds of MiB. The
// quoting is followed as the CSV reader follows it (every quote toggles it; a
// doubled quote toggles twice), which tells where each record ends: a record
// may be no longer than MaxRowBytes and have no more than MaxRowCells fields.
// Blank lines cost nothing and count for nothing. A text the decoder cannot
// read is left for the CSV reader to report.
func measureRows(text io.Reader) error {
	var (
		quoted bool
		// size and fields measure the record being read; fields counts
		// every separator candidate outside quotes, the separator being a
		// guess.
		size, fields int
		// line counts line feeds; start is the line the record starts on.
		line, start = 0, 1
		buf         = make([]byte, 64<<10)
	)
	for {
		n, err := text.Read(buf)
		for _, b := range buf[:n] {
			switch b {
			case '"':
				quoted = !quoted
			case '\n':
				line++
				if !quoted {
					size, fields, start = 0, 0, line+1
					continue
				}
			case ',', ';', '\t':
				if !quoted {
					fields++
				}
			}
			size++
			switch {
			case fields >= MaxRowCells:
				return invalid(ErrTooLarge, "the row at line %d has more than %s columns", start, thousands(MaxRowCells))
			case size > MaxRowBytes && quoted:
				// Within quotes, most likely because one is never closed.
				return invalid(ErrTooLarge, "the row at line %d is longer than %d MiB (is a quote (\") missing its closing quote?)",
					start, MaxRowBytes>>20)
			case size > MaxRowBytes:
				return invalid(ErrTooLarge, "the row at line %d is longer than %d MiB", start, MaxRowBytes>>20)
			}
		}
		if err != nil {
			return nil
		}
	}
}

func decode(data []byte, t transform.Transformer) io.Reader {
	return transform.NewReader(bytes.NewReader(data), t)
}

const (
	utf8Valid = iota
	utf8Mostly
	utf8Not
)

// utf8Quality scans the whole file, not a prefix: Excel's GB18030 output is
// often pure ASCII for thousands of lines before the first Chinese name.
func utf8Quality(data []byte) int {
	if utf8.Valid(data) {
		return utf8Valid
	}
	var multi, bad int
	for i := 0; i < len(data); {
		if data[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			bad++
		} else {
			multi++
		}
		i += size
	}
	// GB18030 text forms a valid UTF-8 sequence by chance for a small share
	// of its characters; genuine UTF-8 has almost none invalid.
	if multi >= 8*bad {
		return utf8Mostly
	}
	return utf8Not
}

// looksBinary tells an image, PDF or other binary upload from text by its
// control characters, and from GB18030 text by sequences that do not decode.
func looksBinary(head []byte, strict bool) bool {
	ctrl := 0
	for _, b := range head {
		switch {
		case b == 0:
			return true
		case b < ' ' && b != '\t' && b != '\n' && b != '\r' && b != '\f' && b != '\v' && b != 0x1A:
			ctrl++
		}
	}
	if ctrl > len(head)/100 {
		return true
	}
	return strict && bytes.Contains(head, []byte(string(utf8.RuneError)))
}

// sniffComma chooses the separator from the first line with content: Excel
// writes tabs for "Unicode text" and semicolons in locales whose decimal mark
// is a comma.
func sniffComma(head []byte) rune {
	for len(head) > 0 {
		var line []byte
		line, head, _ = bytes.Cut(head, []byte{'\n'})
		if len(bytes.Trim(line, " \t\r,;")) == 0 {
			continue
		}
		if bytes.IndexByte(line, ',') >= 0 {
			return ','
		}
		tabs, semis := bytes.Count(line, []byte{'\t'}), bytes.Count(line, []byte{';'})
		switch {
		case tabs == 0 && semis == 0:
			return ','
		case tabs >= semis:
			return '\t'
		default:
			return ';'
		}
	}
	return ','
}

type csvSource struct {
	r *csv.Reader
}

func (s *csvSource) next() (int, []string, error) {
	rec, err := s.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return 0, nil, s.malformed(pe)
		}
		return 0, nil, err
	}
	line, _ := s.r.FieldPos(0)
	return line, rec, nil
}

func (s *csvSource) close() error { return nil }

// malformed rewrites the parser's error for a clerk, who needs to know where
// to look and what to fix rather than the parser's vocabulary.
func (s *csvSource) malformed(pe *csv.ParseError) error {
	if errors.Is(pe.Err, csv.ErrBareQuote) {
		return invalid(ErrMalformedCSV, `%s at line %d: a field that contains a quote (") must itself be enclosed in quotes, with the quote doubled ("")`,
			ErrMalformedCSV, pe.Line)
	}
	// An unclosed quote swallows the rest of the file and the parser names
	// its last line; the line where the field opens is the one to look at.
	// Only then does reading on reach the end at once.
	line := pe.Line
	if _, err := s.r.Read(); errors.Is(err, io.EOF) {
		line = pe.StartLine
	}
	return invalid(ErrMalformedCSV, `%s at line %d: a quoted field is not closed properly; a quote (") inside a quoted field must be doubled ("")`,
		ErrMalformedCSV, line)
}
