package tabular

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Reading needs two things of a workbook's styles: the number format of each
// cell format, and the custom number formats. excelize decodes the whole
// style sheet (fonts, fills, borders, conditional formats, every attribute
// of every cell format) into values of up to 200 bytes an element, so
// openXLSX gives it a digest instead: the same two tables and nothing else,
// which displays every cell as the original would (excelize's
// formattedValue reads nothing more). A style sheet of 65,000 cell formats
// with all their attributes took a reading process to 118 MiB whole, and to
// 48 MiB as a digest.

// ns16 is the name space of the formatCode16 attribute, which excelize
// prefers to formatCode when a number format has both.
const ns16 = "http://schemas.microsoft.com/office/spreadsheetml/2015/02/main"

// styleDigest is what reading needs of the styles part.
type styleDigest struct {
	numFmts []digestNumFmt
	// xfs is the number format of each cell format, in order; -1 for a cell
	// format without one.
	xfs []int
}

type digestNumFmt struct {
	id           int
	code, code16 string
}

// inspectStyles bounds the styles part and takes its digest. It reads the
// tables as excelize's decoder would: the numFmts and cellXfs children of
// the root (several of either are one table), their numFmt and xf children,
// and the attributes by local name, formatCode16 in its name space only.
func inspectStyles(f *zip.File) (*styleDigest, error) {
	var (
		d     = &styleDigest{}
		table string
	)
	err := scanPart(f, true, func(s *xmlScanner, tok xml.Token) error {
		se, ok := tok.(xml.StartElement)
		if !ok {
			if _, end := tok.(xml.EndElement); end && s.depth < 2 {
				table = ""
			}
			return nil
		}
		switch {
		case s.depth == 2:
			table = se.Name.Local
		case s.depth == 3 && table == "cellXfs" && se.Name.Local == "xf":
			if len(d.xfs) >= MaxCellFormats {
				return tooLarge("it has more than %s cell formats (%s); copy the data into a new workbook", thousands(MaxCellFormats), s.name)
			}
			id := -1
			for _, a := range se.Attr {
				if a.Name.Local == "numFmtId" {
					n, err := xmlInt(a.Value)
					if err != nil {
						return damaged(s.name)
					}
					id = n
				}
			}
			d.xfs = append(d.xfs, id)
		case s.depth == 3 && table == "numFmts" && se.Name.Local == "numFmt":
			if len(d.numFmts) >= MaxNumberFormats {
				return tooLarge("it has more than %s number formats (%s)", thousands(MaxNumberFormats), s.name)
			}
			var nf digestNumFmt
			for _, a := range se.Attr {
				var err error
				switch {
				case a.Name.Local == "numFmtId":
					nf.id, err = xmlInt(a.Value)
				case a.Name.Local == "formatCode":
					nf.code = a.Value
				case a.Name.Local == "formatCode16" && a.Name.Space == ns16:
					nf.code16 = a.Value
				}
				if err != nil {
					return damaged(s.name)
				}
			}
			// A number format is applied to every number displayed with it,
			// so a long one would multiply the text of every numeric cell.
			if len(nf.code) > maxFormatCodeBytes || len(nf.code16) > maxFormatCodeBytes {
				return tooLarge("a number format in %s is longer than %d bytes", s.name, maxFormatCodeBytes)
			}
			d.numFmts = append(d.numFmts, nf)
		}
		return nil
	})
	return d, err
}

// xmlInt parses an integer attribute as encoding/xml does.
func xmlInt(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return int(n), err
}

// write writes the digest as a styles part.
func (d *styleDigest) write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+
		`<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:x16r2="%s">`, ns16)
	if len(d.numFmts) > 0 {
		fmt.Fprintf(bw, `<numFmts count="%d">`, len(d.numFmts))
		for _, nf := range d.numFmts {
			fmt.Fprintf(bw, `<numFmt numFmtId="%d" formatCode="`, nf.id)
			_ = xml.EscapeText(bw, []byte(nf.code))
			if nf.code16 != "" {
				bw.WriteString(`" x16r2:formatCode16="`)
				_ = xml.EscapeText(bw, []byte(nf.code16))
			}
			bw.WriteString(`"/>`)
		}
		bw.WriteString(`</numFmts>`)
	}
	if len(d.xfs) > 0 {
		fmt.Fprintf(bw, `<cellXfs count="%d">`, len(d.xfs))
		for _, id := range d.xfs {
			if id < 0 {
				bw.WriteString(`<xf/>`)
			} else {
				fmt.Fprintf(bw, `<xf numFmtId="%d"/>`, id)
			}
		}
		bw.WriteString(`</cellXfs>`)
	}
	bw.WriteString(`</styleSheet>`)
	return bw.Flush()
}
