package web

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"talentd/internal/errs"
	"talentd/internal/reqctx"
	"talentd/talent"
)

// hrImportData is the import page: the last upload's report, if any.
type hrImportData struct {
	hrPage
	Report  *talent.ImportResult
	Refused bool
	Partial bool
}

func (s *Site) hrImportPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "hr_import", "导入导出", hrImportData{hrPage: newHRPage("/hr/import")})
}

// Problems with an upload the page refuses before the import reads it.
var (
	errHRNoImportFile = errs.Fields(errs.Field("body.file", "no_file", "请选择要上传的 CSV 或 Excel 文件",
		"choose the CSV or XLSX file to upload", nil))
	errHRImportTooLarge = errs.New(errs.Invalid, "file_too_large", "文件超过 32 MB，请拆分成几个文件分别上传",
		"the file is larger than 32 MiB; split it and upload the parts")
)

// hrImport imports the uploaded file (form field "file"; "partial" ticked imports the good rows
// even when some are bad) and shows the report: counts, and every row problem as a table.
func (s *Site) hrImport(w http.ResponseWriter, r *http.Request) {
	d := hrImportData{hrPage: newHRPage("/hr/import")}
	data, partial, err := hrReadUpload(r)
	d.Partial = partial
	if err != nil {
		s.hrImportProblem(w, r, d, err)
		return
	}
	res, err := s.o.Talent.ImportTalents(r.Context(), data, partial)
	switch {
	case errors.Is(err, talent.ErrImportRefused):
		d.Report, d.Refused = &res, true
		status, _ := d.refused(err)
		s.render(w, r, status, "hr_import", "导入导出", d)
		return
	case err != nil:
		s.hrImportProblem(w, r, d, err)
		return
	}
	d.Report = &res
	d.done("导入完成：新增 "+strconv.Itoa(res.Created)+" 条，更新 "+strconv.Itoa(res.Updated)+" 条，未变 "+
		strconv.Itoa(res.Unchanged)+" 条，有误未导入 "+strconv.Itoa(res.ErrorRows)+" 行",
		"Imported: "+strconv.Itoa(res.Created)+" created, "+strconv.Itoa(res.Updated)+" updated, "+
			strconv.Itoa(res.Unchanged)+" unchanged, "+strconv.Itoa(res.ErrorRows)+" rows with errors left out")
	s.render(w, r, http.StatusOK, "hr_import", "导入导出", d)
}

func (s *Site) hrImportProblem(w http.ResponseWriter, r *http.Request, d hrImportData, err error) {
	status, ok := d.refused(err)
	if !ok {
		s.renderError(w, r, err)
		return
	}
	d.OtherErrors = hrFieldErrorsOf(err, reqctx.Lang(r.Context())).except()
	s.render(w, r, status, "hr_import", "导入导出", d)
}

// hrReadUpload reads the import form as it streams in: the file (at most talent.MaxImportBytes) and
// whether partial is ticked.
func hrReadUpload(r *http.Request) ([]byte, bool, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, false, errHRNoImportFile
	}
	var data []byte
	partial := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, partial, errFormUnreadable
		}
		switch part.FormName() {
		case "partial":
			v, _ := io.ReadAll(io.LimitReader(part, 16))
			partial = strings.TrimSpace(string(v)) != ""
		case "file":
			if part.FileName() == "" {
				continue
			}
			if data, err = io.ReadAll(io.LimitReader(part, talent.MaxImportBytes+1)); err != nil {
				return nil, partial, errFormUnreadable
			}
			if len(data) > talent.MaxImportBytes {
				return nil, partial, errHRImportTooLarge
			}
		}
	}
	if len(data) == 0 {
		return nil, partial, errHRNoImportFile
	}
	return data, partial, nil
}

// hrDownloadFormat is the format a download's file name asks for ("template.xlsx" → "xlsx"), or "".
func hrDownloadFormat(file, base string) string {
	for _, f := range []string{"xlsx", "csv"} {
		if file == base+"."+f {
			return f
		}
	}
	return ""
}

// hrTemplate downloads the import template (template.xlsx or template.csv).
func (s *Site) hrTemplate(w http.ResponseWriter, r *http.Request) {
	format := hrDownloadFormat(r.PathValue("file"), "template")
	if format == "" {
		s.render(w, r, http.StatusNotFound, "error", "未找到", errorPage{Zh: "没有这个文件", En: "No such file", Home: "/hr/import"})
		return
	}
	var buf bytes.Buffer
	if err := s.o.Talent.ImportTemplate(r.Context(), &buf, format, "utf-8"); err != nil {
		s.renderError(w, r, err)
		return
	}
	hrDownloadHeaders(w, talent.MediaTypeOf(format, "utf-8"), "人才信息导入模板."+format)
	_, _ = w.Write(buf.Bytes())
}

// hrExport downloads the enterprise's records that the list's filter (status, grade, q) shows,
// as talents.xlsx or talents.csv.
func (s *Site) hrExport(w http.ResponseWriter, r *http.Request) {
	format := hrDownloadFormat(r.PathValue("file"), "talents")
	if format == "" {
		s.render(w, r, http.StatusNotFound, "error", "未找到", errorPage{Zh: "没有这个文件", En: "No such file", Home: "/hr"})
		return
	}
	f := hrTalentFilter(r)
	if err := s.o.Talent.CheckExport(r.Context(), f); err != nil {
		s.renderError(w, r, err)
		return
	}
	hrDownloadHeaders(w, talent.MediaTypeOf(format, "utf-8"), "人才信息."+format)
	if err := s.o.Talent.ExportTalents(r.Context(), w, f, format, "utf-8"); err != nil {
		// The download has begun: the browser gets a cut-off file, and the log says why.
		s.o.Logger.ErrorContext(r.Context(), "exporting talents", "err", err)
	}
}

// hrDownloadHeaders names a file download.
func hrDownloadHeaders(w http.ResponseWriter, contentType, name string) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", talent.ContentDisposition(name))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
}
