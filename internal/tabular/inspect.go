package tabular

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/htmlindex"
)

// An XLSX file is a zip of XML parts, and excelize expands some of them into
// Go values far larger than their text: a 68 KiB upload whose styles part
// repeats <xf/> nine million times took a reading process to 3.9 GB. So
// openXLSX first walks the parts it will hand to excelize with a streaming
// tokenizer, counting what excelize would build, and refuses the file before
// excelize sees it. The walk holds no more than one token and the lengths of
// the shared strings.

// zipDirectorySignature starts every entry of a zip's central directory.
var zipDirectorySignature = []byte("PK\x01\x02")

// partKind tells the parts excelize reads apart; any other part is dropped
// before excelize opens the file.
type partKind int

const (
	partDropped partKind = iota
	partStructure
	partStyles
	partSharedStrings
	partWorksheet
)

// kindOf classifies a zip entry by its name as excelize resolves it:
// backslashes as slashes, and case ignored where excelize ignores it (and
// where it does not, a differently cased part is simply not found, which
// costs nothing).
func kindOf(name string) partKind {
	name = strings.ToLower(strings.ReplaceAll(name, `\`, "/"))
	switch name {
	case "[content_types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels":
		return partStructure
	case "xl/styles.xml":
		return partStyles
	case "xl/sharedstrings.xml":
		return partSharedStrings
	}
	if rest, ok := strings.CutPrefix(name, "xl/worksheets/"); ok && !strings.Contains(rest, "/") && strings.HasSuffix(rest, ".xml") {
		return partWorksheet
	}
	return partDropped
}

// workbookPart is a part that excelize will read, with what inspecting it
// found.
type workbookPart struct {
	f    *zip.File
	kind partKind
	// styles is what excelize gets instead of the styles part.
	styles *styleDigest
}

// inspectXLSX checks the archive against the bounds in tabular.go and returns
// the parts to give excelize: the workbook, its relationships and content
// types, the digest of the styles, the shared strings and the worksheets.
// Everything else
// (pictures, charts, the calculation chain, the theme, document properties)
// is never decompressed.
func inspectXLSX(data []byte) ([]workbookPart, error) {
	// archive/zip allocates an entry for every directory record before
	// anyone can count them, and a 32 MiB upload has room for 700,000 empty
	// ones. Each record starts with the signature, so counting signatures
	// bounds the records from above before the directory is read.
	if n := bytes.Count(data, zipDirectorySignature); n > MaxParts {
		return nil, tooLarge("it has more than %s parts", thousands(MaxParts))
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, damaged("")
	}
	var (
		parts    []workbookPart
		seen     = map[string]bool{}
		workbook bool
		unpacked uint64
		resident uint64
		sheets   int
	)
	for _, f := range zr.File {
		kind := kindOf(f.Name)
		if kind == partDropped {
			continue
		}
		// excelize keeps the last of two parts with one name; refusing the
		// pair keeps what is inspected and what is read the same.
		key := strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))
		if seen[key] {
			return nil, damaged(f.Name)
		}
		seen[key] = true
		workbook = workbook || key == "xl/workbook.xml"
		if kind == partWorksheet {
			if sheets++; sheets > MaxSheets {
				return nil, tooLarge("it has more than %s worksheets", thousands(MaxSheets))
			}
		}
		if f.UncompressedSize64 > MaxUnpackedBytes {
			// Caught here, a declared size cannot overflow the sum below.
			return nil, invalid(ErrTooLarge, "the workbook unpacks to more than %d MiB", MaxUnpackedBytes>>20)
		}
		unpacked += f.UncompressedSize64
		if kind == partStyles && f.UncompressedSize64 > maxStylesBytes {
			return nil, tooLarge("its styles (%s) unpack to more than %d MiB; copy the data into a new workbook", f.Name, maxStylesBytes>>20)
		}
		if heldInMemory(kind, key, f.UncompressedSize64) {
			resident += f.UncompressedSize64
		}
		parts = append(parts, workbookPart{f: f, kind: kind})
	}
	switch {
	case !workbook:
		return nil, fail(ErrUnknownFormat)
	case unpacked > MaxUnpackedBytes:
		return nil, invalid(ErrTooLarge, "the workbook unpacks to more than %d MiB", MaxUnpackedBytes>>20)
	case resident > maxResidentBytes:
		return nil, tooLarge("its workbook parts and small worksheets, which are held in memory, unpack to more than %d MiB",
			maxResidentBytes>>20)
	}
	// The shared strings first: a worksheet row is measured with the length
	// of every shared string it refers to.
	var strs []uint32
	for _, p := range parts {
		if p.kind == partSharedStrings {
			if strs, err = inspectSharedStrings(p.f); err != nil {
				return nil, err
			}
		}
	}
	for i, p := range parts {
		switch p.kind {
		case partStructure:
			err = inspectStructure(p.f)
		case partStyles:
			parts[i].styles, err = inspectStyles(p.f)
		case partWorksheet:
			err = inspectWorksheet(p.f, strs)
		}
		if err != nil {
			return nil, err
		}
	}
	return parts, nil
}

// heldInMemory tells whether excelize keeps a part in memory unpacked, as
// its ReadZipReader decides: all of them but the shared strings and the
// worksheets named sheet… past xmlInMemoryBytes, which it unpacks into
// temporary files. The styles are not counted: excelize gets their digest.
func heldInMemory(kind partKind, name string, size uint64) bool {
	switch kind {
	case partStyles:
		return false
	case partSharedStrings:
		return size <= xmlInMemoryBytes
	case partWorksheet:
		return size <= xmlInMemoryBytes || !strings.HasPrefix(name, "xl/worksheets/sheet")
	}
	return true
}

func tooLarge(format string, args ...any) error {
	return invalid(ErrTooLarge, "the workbook is too large to import: "+format, args...)
}

func damaged(part string) error {
	if part == "" {
		return invalid(ErrUnknownFormat, "%s: the archive is damaged", ErrUnknownFormat)
	}
	return invalid(ErrUnknownFormat, "%s: the workbook is damaged (%s cannot be read)", ErrUnknownFormat, part)
}

// thousands writes n with thousands separators, as the clerk reads numbers.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// errTokenTooLong is how tokenGuard stops the decoder; xmlScanner reports it
// with the part's name.
var errTokenTooLong = errors.New("tabular: XML token too long")

// tokenGuard stops encoding/xml from buffering a token without end: the
// decoder accumulates a whole text node, tag or comment before returning it,
// so a 200 MiB text node would be 200 MiB of memory. It fails a read once
// the decoder has taken more than maxTokenBytes past the end of the last
// token it returned (plus the 4 KiB the decoder buffers ahead).
type tokenGuard struct {
	r    io.Reader
	read int64
	// mark is the decoder's input offset after the last token.
	mark    int64
	tripped bool
	// off is set when another guard has taken over.
	off bool
}

func (g *tokenGuard) Read(p []byte) (int, error) {
	if !g.off && g.read-g.mark > maxTokenBytes {
		g.tripped = true
		return 0, errTokenTooLong
	}
	n, err := g.r.Read(p)
	g.read += int64(n)
	return n, err
}

// xmlScanner yields the raw tokens of one part, enforcing the bounds every
// part shares: its declared size, the size of a token, the depth of nesting.
type xmlScanner struct {
	name  string
	rc    io.ReadCloser
	lr    *io.LimitedReader
	guard *tokenGuard
	dec   *xml.Decoder
	// translate resolves name space prefixes (and checks that elements
	// nest properly), for a part whose values are taken as excelize takes
	// them; most parts only need counting, which raw tokens do faster.
	translate bool
	depth     int
	// elements counts start elements.
	elements int
}

func newXMLScanner(f *zip.File) (*xmlScanner, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, damaged(f.Name)
	}
	// archive/zip already refuses more bytes than the directory declares;
	// the limit keeps that promise here whatever the reader does.
	lr := &io.LimitedReader{R: rc, N: int64(f.UncompressedSize64) + 1}
	s := &xmlScanner{name: f.Name, rc: rc, lr: lr, guard: &tokenGuard{r: lr}}
	s.dec = xml.NewDecoder(s.guard)
	s.dec.CharsetReader = s.charsetReader
	return s, nil
}

// charsetReader decodes a part that declares an encoding other than UTF-8,
// as excelize does. The decoder counts its input offset in the UTF-8 it then
// reads, so a new guard counts that too, from where the decoder is, and the
// first stands aside.
func (s *xmlScanner) charsetReader(label string, in io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(label)
	if err != nil {
		return nil, err
	}
	s.guard.off = true
	offset := s.dec.InputOffset()
	s.guard = &tokenGuard{r: enc.NewDecoder().Reader(in), read: offset, mark: offset}
	return s.guard, nil
}

// next returns the next token, or io.EOF at the end of the part. The token's
// data is only valid until the following call.
func (s *xmlScanner) next() (xml.Token, error) {
	var (
		tok xml.Token
		err error
	)
	if s.translate {
		tok, err = s.dec.Token()
	} else {
		tok, err = s.dec.RawToken()
	}
	s.guard.mark = s.dec.InputOffset()
	switch {
	case s.guard.tripped:
		return nil, tooLarge("%s holds a single element or text longer than %d MiB", s.name, maxTokenBytes>>20)
	case s.lr.N <= 0:
		return nil, damaged(s.name)
	case errors.Is(err, io.EOF):
		if s.depth != 0 {
			return nil, damaged(s.name)
		}
		return nil, io.EOF
	case err != nil:
		return nil, damaged(s.name)
	}
	switch tok.(type) {
	case xml.StartElement:
		s.elements++
		if s.depth++; s.depth > MaxXMLDepth {
			return nil, tooLarge("%s nests elements more than %d deep", s.name, MaxXMLDepth)
		}
	case xml.EndElement:
		s.depth--
	}
	return tok, nil
}

func (s *xmlScanner) close() { _ = s.rc.Close() }

// scanPart runs visit on every token of f; visit may return an error to stop.
func scanPart(f *zip.File, translate bool, visit func(s *xmlScanner, tok xml.Token) error) error {
	s, err := newXMLScanner(f)
	if err != nil {
		return err
	}
	s.translate = translate
	defer s.close()
	for {
		tok, err := s.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if visit != nil {
			if err := visit(s, tok); err != nil {
				return err
			}
		}
	}
}

// inspectStructure bounds the workbook, its relationships and content types.
// excelize decodes each whole, and matches every sheet against every
// relationship, so their sizes are bounded as well as their depth.
func inspectStructure(f *zip.File) error {
	sheets := 0
	return scanPart(f, false, func(s *xmlScanner, tok xml.Token) error {
		if s.elements > maxStructureElements {
			return tooLarge("%s has more than %s elements", s.name, thousands(maxStructureElements))
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "sheet" {
			if sheets++; sheets > MaxSheets {
				return tooLarge("it has more than %s worksheets", thousands(MaxSheets))
			}
		}
		return nil
	})
}

// itemCounter bounds one cell or one shared string: its elements (rich text
// runs are decoded whole) and its text.
type itemCounter struct {
	// depth is the scanner's depth inside the item, 0 outside one.
	depth    int
	elements int
	text     int
}

func (c *itemCounter) start(s *xmlScanner) {
	c.depth, c.elements, c.text = s.depth, 0, 0
}

func (c *itemCounter) inside(s *xmlScanner) bool { return c.depth > 0 && s.depth >= c.depth }

// add counts tok, a token inside the item, and says how the item passes a
// bound, or "".
func (c *itemCounter) add(tok xml.Token) string {
	switch t := tok.(type) {
	case xml.StartElement:
		if c.elements++; c.elements > maxItemElements {
			return fmt.Sprintf("has more than %s elements", thousands(maxItemElements))
		}
	case xml.CharData:
		if c.text += len(t); c.text > maxTokenBytes {
			return fmt.Sprintf("is longer than %d MiB", maxTokenBytes>>20)
		}
	}
	return ""
}

// inspectSharedStrings bounds the shared strings and returns the length of
// each in bytes, for inspectWorksheet to charge every row for the strings it
// refers to.
func inspectSharedStrings(f *zip.File) ([]uint32, error) {
	var (
		lens []uint32
		item itemCounter
	)
	err := scanPart(f, false, func(s *xmlScanner, tok xml.Token) error {
		if item.inside(s) {
			if over := item.add(tok); over != "" {
				return tooLarge("shared string %s in %s %s", thousands(len(lens)+1), s.name, over)
			}
			return nil
		}
		if item.depth > 0 {
			// The end of the item.
			lens = append(lens, uint32(item.text))
			item.depth = 0
			return nil
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "si" {
			if len(lens) >= MaxSharedStrings {
				return tooLarge("it has more than %s distinct texts (%s); split the list, or save it as CSV and upload that",
					thousands(MaxSharedStrings), s.name)
			}
			item.start(s)
		}
		return nil
	})
	return lens, err
}

// inspectWorksheet bounds a worksheet as excelize's row iterator reads it:
// rows, cells, cells in a row, and the text of a row, which the iterator
// holds whole, counting each shared string a cell refers to.
func inspectWorksheet(f *zip.File, strs []uint32) error {
	var (
		rows, cells, rowNum int
		rowCells, rowText   int
		cell                itemCounter
		shared              bool
		// value is the text of the <v> of a shared-string cell, valueDepth
		// the depth of that element (0 outside one), odd whether the value
		// is anything but digits, which excelize would still read.
		value      []byte
		valueDepth int
		odd        bool
		longest    uint32
	)
	for _, n := range strs {
		longest = max(longest, n)
	}
	where := func() string { return fmt.Sprintf("row %s of %s", thousands(rowNum), f.Name) }
	return scanPart(f, false, func(s *xmlScanner, tok xml.Token) error {
		if cell.inside(s) {
			text := cell.text
			if over := cell.add(tok); over != "" {
				return tooLarge("a cell in %s %s", where(), over)
			}
			rowText += cell.text - text
			if shared {
				switch t := tok.(type) {
				case xml.StartElement:
					if valueDepth > 0 {
						odd = true
					} else if t.Name.Local == "v" {
						valueDepth, value, odd = s.depth, value[:0], false
					}
				case xml.CharData:
					if valueDepth > 0 {
						if odd = odd || len(value)+len(t) > 16; !odd {
							value = append(value, t...)
						}
					}
				case xml.EndElement:
					if valueDepth > 0 && s.depth < valueDepth {
						// The string excelize looks up, as it reads the value
						// (a bad one is string 0); anything unusual is charged
						// as the longest string.
						i, err := strconv.Atoi(strings.TrimSpace(string(value)))
						switch {
						case odd || err != nil || i < 0 || i >= len(strs):
							rowText += int(longest)
						default:
							rowText += int(strs[i])
						}
						valueDepth = 0
					}
				}
			}
			if rowText > MaxRowBytes {
				return tooLarge("%s holds more than %d MiB of text", where(), MaxRowBytes>>20)
			}
			return nil
		}
		cell.depth = 0
		se, ok := tok.(xml.StartElement)
		if !ok {
			return nil
		}
		switch se.Name.Local {
		case "row":
			if rows++; rows > MaxRows {
				return tooLarge("%s has more than %s rows", s.name, thousands(MaxRows))
			}
			rowNum++
			for _, a := range se.Attr {
				if n, err := strconv.Atoi(a.Value); a.Name.Local == "r" && err == nil {
					rowNum = n
				}
			}
			rowCells, rowText = 0, 0
		case "c":
			if cells++; cells > MaxCells {
				return tooLarge("%s has more than %s cells", s.name, thousands(MaxCells))
			}
			if rowCells++; rowCells > MaxRowCells {
				return tooLarge("%s has more than %s cells", where(), thousands(MaxRowCells))
			}
			shared, valueDepth = false, 0
			for _, a := range se.Attr {
				shared = shared || (a.Name.Local == "t" && a.Value == "s")
			}
			cell.start(s)
		}
		return nil
	})
}
