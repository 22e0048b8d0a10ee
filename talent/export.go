package talent

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/money"
	"talentd/internal/postgres"
	"talentd/internal/reqctx"
	"talentd/internal/tabular"
	"talentd/internal/vocab"
)

// Columns an export adds to the importable ones; an import ignores them, so an exported file can
// be uploaded again.
var exportOnlyHeaders = []string{"企业名称", "状态", "人才类别", "认定规则", "入库日期"}

func init() {
	for _, h := range exportOnlyHeaders {
		ignoredHeaders[normalizeHeader(h)] = true
	}
}

// exportHeader is the export's header row: the importable columns under the labels the import
// knows them by — the record id first, so that an upload of the file finds each record — with
// the enterprise's name beside its credit code, then the other export-only columns. exportRow
// writes the cells in this order.
func exportHeader() []string {
	var out []string
	for _, c := range importColumns {
		if c.label == "" {
			continue
		}
		out = append(out, c.label)
		if c.field == "enterprise_uscc" {
			out = append(out, exportOnlyHeaders[0])
		}
	}
	return append(out, exportOnlyHeaders[1:]...)
}

func (s *Service) exportRow(p auth.Principal, t Talent, ent map[int64]Enterprise) []string {
	uscc, entName := "", ""
	if t.EnterpriseID != nil {
		e := ent[*t.EnterpriseID]
		uscc, entName = e.USCC, e.Name
	}
	grad, grade, registered := "", "", ""
	if t.GraduationYear != nil {
		grad = strconv.Itoa(*t.GraduationYear)
	}
	if t.Grade != nil {
		grade = GradeVocab.Label(string(*t.Grade), "zh")
	}
	if t.RegisteredAt != nil {
		registered = t.RegisteredAt.In(civil.District).Format("2006-01-02")
	}
	// The columns the caller's role does not read stay empty (the birth date keeps its year), so
	// every export has the same columns and uploads back the same way.
	fields := TalentFieldsOf(p.Role)
	birth := strconv.Itoa(t.BirthDate.Time().Year())
	if fields.BirthDate {
		birth = t.BirthDate.String()
	}
	mobile, email, salary, notes := "", "", "", ""
	if fields.Contact {
		mobile, email = t.Mobile, t.Email
	}
	if fields.Salary {
		salary = money.Fen(t.AnnualSalaryFen).String()
	}
	if fields.Notes {
		notes = t.Notes
	}
	label := func(l *vocab.List, code string) string { return l.Label(code, "zh") }
	return []string{strconv.FormatInt(t.ID, 10), t.Name, label(GenderVocab, t.Gender), birth, s.IDNumberFor(p, t),
		mobile, email, uscc, entName, t.Position, label(EducationVocab, t.Education), t.School, t.Major, grad,
		label(TitleVocab, t.Title), label(SkillLevelVocab, t.SkillLevel), formatHonours(t.Honours), salary, t.Field,
		t.ArrivedOn.String(), notes, label(StatusVocab, string(t.Status)), grade, strings.Join(t.GradeRules, ","), registered}
}

// ErrExportNotAllowed refuses an export to a role that reads the registry for its own work only.
var ErrExportNotAllowed = errs.New(errs.Forbidden, "export_not_allowed", "您的岗位无权导出人才信息库",
	"your role may not export the registry")

// CheckExport refuses, before a download starts, an export the caller may not make or whose
// filter is bad.
func (s *Service) CheckExport(ctx context.Context, f TalentFilter) error {
	p, err := auth.MustPrincipal(ctx)
	if err != nil {
		return err
	}
	if !TalentFieldsOf(p.Role).Export {
		return ErrExportNotAllowed
	}
	_, err = s.SearchTalents(ctx, f, "", 1, false)
	return err
}

// ExportTalents writes every record the caller may see that matches f, with the fields the
// caller's role reads, page by page so memory stays flat. An export that carries whole identity
// numbers is audited with its filter and row count.
func (s *Service) ExportTalents(ctx context.Context, w io.Writer, f TalentFilter, format, encoding string) error {
	p, err := auth.MustPrincipal(ctx)
	if err != nil {
		return err
	}
	fields := TalentFieldsOf(p.Role)
	if !fields.Export {
		return ErrExportNotAllowed
	}
	out, err := tabular.NewRowWriter(w, format, encoding, templateSheet, exportHeader())
	if err != nil {
		return err
	}
	rows, err := s.exportRows(ctx, p, out, f)
	if err != nil {
		return err
	}
	if fields.IDNumber != IDWhole {
		return nil
	}
	return postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		return audit.Write(ctx, tx, audit.Entry{Action: "talent.export", EntityType: "talent", EntityID: "export",
			After: map[string]any{"filter": f.auditView(), "rows": rows, "format": format, "id_numbers": "whole"}})
	})
}

// exportRows writes the matching records and returns how many.
func (s *Service) exportRows(ctx context.Context, p auth.Principal, out tabular.RowWriter, f TalentFilter) (int, error) {
	ent := map[int64]Enterprise{}
	cursor := ""
	n := 0
	for {
		res, err := s.SearchTalents(ctx, f, cursor, 500, false)
		if err != nil {
			return n, err
		}
		for _, t := range res.Items {
			if t.EnterpriseID != nil {
				if _, ok := ent[*t.EnterpriseID]; !ok {
					e, err := getEnterprise(ctx, s.db, *t.EnterpriseID)
					if err != nil {
						return n, err
					}
					ent[e.ID] = e
				}
			}
			if err := out.WriteRow(s.exportRow(p, t, ent)); err != nil {
				return n, err
			}
			n++
		}
		if res.NextCursor == "" {
			return n, out.Close()
		}
		cursor = res.NextCursor
	}
}

// urlPathEscape escapes a file name for RFC 5987's filename*.
func urlPathEscape(s string) string { return url.PathEscape(s) }

type exportInput struct {
	TalentQuery
	Format   string `query:"format" enum:"csv,xlsx" default:"xlsx"`
	Encoding string `query:"encoding" enum:"utf-8,gbk" default:"utf-8" doc:"CSV only: utf-8 (with BOM, for current Excel) or gbk (for old Excel)"`
}

// MediaTypeOf is the Content-Type of a download in format ("csv" or "xlsx") and, for CSV, encoding.
func MediaTypeOf(format, encoding string) string {
	switch {
	case format == "xlsx":
		return xlsxType
	case encoding == "gbk":
		return "text/csv; charset=gb18030"
	}
	return "text/csv; charset=utf-8"
}

func registerExport(api huma.API, s *Service) {
	tags := []string{"Talent registry"}
	download := &huma.Response{Description: "The file", Content: map[string]*huma.MediaType{
		"text/csv": {Schema: &huma.Schema{Type: huma.TypeString}}, xlsxType: {Schema: &huma.Schema{Type: huma.TypeString, Format: "binary"}}}}

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "export-talents", Method: http.MethodGet, Path: "/v1/talents/export", Tags: tags,
		Summary: "Export talent records (CSV or XLSX)",
		Description: "The records matching the filter, within the caller's scope and masking rules, with Chinese headers. " +
			"Each row starts with the record's id (编号(系统)): uploading the file again updates the records whose cells were " +
			"changed, leaves the others alone, and keeps masked identity numbers as they are.",
		Responses: map[string]*huma.Response{"200": download},
	}, exporterRoles()...), func(ctx context.Context, in *exportInput) (*huma.StreamResponse, error) {
		f := in.TalentQuery.filter()
		if err := s.CheckExport(ctx, f); err != nil {
			return nil, err // refused before the download starts
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			hctx.SetHeader("Content-Type", MediaTypeOf(in.Format, in.Encoding))
			hctx.SetHeader("Content-Disposition", ContentDisposition("人才信息_"+time.Now().In(civil.District).Format("20060102")+"."+in.Format))
			hctx.SetHeader("Cache-Control", "no-store")
			if err := s.ExportTalents(hctx.Context(), hctx.BodyWriter(), f, in.Format, in.Encoding); err != nil {
				s.log.ErrorContext(hctx.Context(), "talent export failed", "request_id", reqctx.ID(hctx.Context()), "err", err)
				// Headers are gone: all that is left is to cut the download short, so the client sees it failed.
				panic(http.ErrAbortHandler)
			}
		}}, nil
	})

	registerTemplate(api, s, download)
}
