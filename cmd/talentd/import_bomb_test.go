package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"talentd/internal/tabular"
)

// styleBomb is a genuine upload of n rows whose styles part is replaced by
// millions of cell formats: a file of about 70 KiB that excelize used to
// expand into gigabytes.
func styleBomb(t *testing.T, n int) []byte {
	t.Helper()
	var book bytes.Buffer
	xw, err := tabular.NewXLSXWriter(&book, "名单", importHeader)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range importRows(n) {
		if err := xw.WriteRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := xw.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(book.Bytes()), int64(book.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if f.Name == "xl/styles.xml" {
			continue
		}
		raw, err := f.OpenRaw()
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.CreateRaw(&f.FileHeader)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, raw); err != nil {
			t.Fatal(err)
		}
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "xl/styles.xml", Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(`<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs>`)
	for range 9_000_000 {
		bw.WriteString(`<xf/>`)
	}
	bw.WriteString(`</cellXfs></styleSheet>`)
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestImport_Bombs uploads files built to exhaust the server's memory: each
// is refused with 422 and a message naming what is too large (in Chinese with
// the reader's English detail, or in English), and nothing is written, even
// with partial=true.
func TestImport_Bombs(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	bombs := []struct {
		name string
		file []byte
		msg  string
	}{
		{"StylesXLSX", styleBomb(t, 3), "the workbook is too large to import: its styles (xl/styles.xml) unpack to more than 32 MiB; copy the data into a new workbook"},
		{"LongLineCSV", []byte(strings.Join(importHeader, ",") + "\r\n" + strings.Join(importRows(1)[0], ",") + "\r\n" +
			strings.Repeat("长", 8<<20)), "the row at line 3 is longer than 2 MiB"},
	}
	talents := e.count(`SELECT count(*) FROM talents`)
	audits := e.count(`SELECT count(*) FROM audit_log`)
	for _, b := range bombs {
		for _, query := range []string{"", "?partial=true"} {
			status, rep := e.upload(t, "hr-x", b.file, query)
			if status != http.StatusUnprocessableEntity || rep.Created != 0 || len(rep.Errors) != 1 || rep.Errors[0].Code != "file_too_large" ||
				!strings.HasPrefix(rep.Errors[0].Message, "文件超出系统的处理上限") || !strings.Contains(rep.Errors[0].Message, b.msg) {
				t.Errorf("%s%s: %d %+v; want 422 with %q", b.name, query, status, rep, b.msg)
			}
			status, rep = e.upload(t, "hr-x", b.file, query, "Accept-Language", "en")
			if status != http.StatusUnprocessableEntity || len(rep.Errors) != 1 || rep.Errors[0].Message != b.msg {
				t.Errorf("%s%s in English: %d %+v; want 422 with %q", b.name, query, status, rep, b.msg)
			}
		}
	}
	if n := e.count(`SELECT count(*) FROM talents`); n != talents {
		t.Errorf("%d talents after the bombs, %d before", n, talents)
	}
	if n := e.count(`SELECT count(*) FROM audit_log`); n != audits {
		t.Errorf("%d audit records after the bombs, %d before", n, audits)
	}
}
