package talent

import (
	"context"
	"fmt"
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
	"talentd/internal/postgres"
	"talentd/internal/reqctx"
	"talentd/internal/tabular"
)

// Columns an export adds to the importable ones; an import ignores them, so an exported file can
// be uploaded again.
var exportOnlyHeaders = []string{"企业名称", "状态", "人才类别", "认定规则", "入库日期"}

func init() {
	for _, h := range exportOnlyHeaders {
		ignoredHeaders[normalizeHeader(h)] = true
	}
}

// templateHeader is the header row of the import template.
func templateHeader() []string {
	var out []string
	for _, c := range importColumns {
		if c.label != "" && c.field != "enterprise_uscc" {
			out = append(out, c.label)
		}
	}
	return out
}

// Chinese labels for the export, the inverse of what the import accepts.
var (
	genderLabel    = map[string]string{"male": "男", "female": "女"}
	educationLabel = map[string]string{"doctorate": "博士", "master": "硕士", "bachelor": "本科", "associate": "大专", "other": "其他"}
	titleLabel     = map[string]string{"senior_full": "正高级", "senior_associate": "副高级", "intermediate": "中级", "junior": "初级", "none": "无"}
	skillLabel     = map[string]string{"senior_technician": "高级技师", "technician": "技师", "senior_worker": "高级工", "none": "无"}
	honourLabel    = map[string]string{"academician": "院士", "national_award": "国家级顶尖奖项", "national_programme": "国家级人才计划",
		"municipal_programme": "重庆英才计划", "district_talent": "璧山英才", "district_craftsman": "璧山工匠", "other": "其他"}
	statusLabel = map[Status]string{StatusDraft: "草稿", StatusSubmitted: "待审核", StatusReturned: "退回修改",
		StatusRegistered: "已入库", StatusRejected: "不予入库", StatusLeft: "已离开"}
)

func exportHeader() []string {
	return append([]string{"姓名", "性别", "出生日期", "身份证号", "手机号", "电子邮箱", "统一社会信用代码", "企业名称",
		"职务", "学历", "毕业院校", "专业", "毕业年份", "职称", "技能等级", "人才计划/荣誉", "年薪(元)", "所属领域",
		"来璧时间", "备注"}, exportOnlyHeaders[1:]...)
}

func yuan(fen int64) string {
	if fen%100 == 0 {
		return strconv.FormatInt(fen/100, 10)
	}
	return fmt.Sprintf("%d.%02d", fen/100, fen%100)
}

func (s *Service) exportRow(p auth.Principal, t Talent, ent map[int64]Enterprise) []string {
	var honours []string
	for _, h := range t.Honours {
		item := honourLabel[h.Code]
		if h.Year != 0 {
			item += "(" + strconv.Itoa(h.Year) + ")"
		}
		honours = append(honours, item)
	}
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
		grade = string(*t.Grade)
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
		salary = yuan(t.AnnualSalaryFen)
	}
	if fields.Notes {
		notes = t.Notes
	}
	return []string{t.Name, genderLabel[t.Gender], birth, s.IDNumberFor(p, t), mobile, email,
		uscc, entName, t.Position, educationLabel[t.Education], t.School, t.Major, grad, titleLabel[t.Title],
		skillLabel[t.SkillLevel], strings.Join(honours, "；"), salary, t.Field, t.ArrivedOn.String(),
		notes, statusLabel[t.Status], grade, strings.Join(t.GradeRules, ","), registered}
}

// rowWriter is the part of the CSV and XLSX writers an export needs.
type rowWriter interface {
	row([]string) error
	close() error
}

type csvRows struct{ w *tabular.CSVWriter }

func (c csvRows) row(r []string) error { return c.w.Write(r) }
func (c csvRows) close() error         { return c.w.Flush() }

type xlsxRows struct{ w *tabular.XLSXWriter }

func (x xlsxRows) row(r []string) error { return x.w.WriteRow(r) }
func (x xlsxRows) close() error         { return x.w.Close() }

func newRowWriter(w io.Writer, format, encoding string, header []string) (rowWriter, error) {
	if format == "xlsx" {
		xw, err := tabular.NewXLSXWriter(w, "人才信息", header)
		return xlsxRows{xw}, err
	}
	enc := tabular.UTF8BOM
	if encoding == "gbk" {
		enc = tabular.GB18030
	}
	cw := tabular.NewCSVWriter(w, enc)
	return csvRows{cw}, cw.Write(header)
}

// ErrExportNotAllowed refuses an export to a role that reads the registry for its own work only.
var ErrExportNotAllowed = errs.Untranslated(errs.Forbidden, "your role may not export the registry")

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
	out, err := newRowWriter(w, format, encoding, exportHeader())
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
func (s *Service) exportRows(ctx context.Context, p auth.Principal, out rowWriter, f TalentFilter) (int, error) {
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
			if err := out.row(s.exportRow(p, t, ent)); err != nil {
				return n, err
			}
			n++
		}
		if res.NextCursor == "" {
			return n, out.close()
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

type templateInput struct {
	Format   string `query:"format" enum:"csv,xlsx" default:"xlsx"`
	Encoding string `query:"encoding" enum:"utf-8,gbk" default:"utf-8"`
}

func mediaTypeOf(format string) string {
	if format == "xlsx" {
		return xlsxType
	}
	return "text/csv; charset=utf-8"
}

func registerExport(api huma.API, s *Service) {
	tags := []string{"Talent registry"}
	download := &huma.Response{Description: "The file", Content: map[string]*huma.MediaType{
		"text/csv": {Schema: &huma.Schema{Type: huma.TypeString}}, xlsxType: {Schema: &huma.Schema{Type: huma.TypeString, Format: "binary"}}}}

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "export-talents", Method: http.MethodGet, Path: "/v1/talents/export", Tags: tags,
		Summary:     "Export talent records (CSV or XLSX)",
		Description: "The records matching the filter, within the caller's scope and masking rules, with Chinese headers. The file can be uploaded again.",
		Responses:   map[string]*huma.Response{"200": download},
	}, exporterRoles()...), func(ctx context.Context, in *exportInput) (*huma.StreamResponse, error) {
		f := in.TalentQuery.filter()
		if err := s.CheckExport(ctx, f); err != nil {
			return nil, err // refused before the download starts
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			if in.Format == "csv" && in.Encoding == "gbk" {
				hctx.SetHeader("Content-Type", "text/csv; charset=gb18030")
			} else {
				hctx.SetHeader("Content-Type", mediaTypeOf(in.Format))
			}
			hctx.SetHeader("Content-Disposition", contentDisposition("人才信息_"+time.Now().In(civil.District).Format("20060102")+"."+in.Format))
			hctx.SetHeader("Cache-Control", "no-store")
			if err := s.ExportTalents(hctx.Context(), hctx.BodyWriter(), f, in.Format, in.Encoding); err != nil {
				s.log.ErrorContext(hctx.Context(), "talent export failed", "request_id", reqctx.ID(hctx.Context()), "err", err)
				// Headers are gone: all that is left is to cut the download short, so the client sees it failed.
				panic(http.ErrAbortHandler)
			}
		}}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-import-template", Method: http.MethodGet, Path: "/v1/talents/import-template", Tags: tags,
		Summary:     "Download the import template",
		Description: "An empty file with the expected headers, in Chinese.",
		Responses:   map[string]*huma.Response{"200": download},
	}, auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleEnterpriseHR), func(ctx context.Context, in *templateInput) (*huma.StreamResponse, error) {
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			hctx.SetHeader("Content-Type", mediaTypeOf(in.Format))
			hctx.SetHeader("Content-Disposition", contentDisposition("人才信息导入模板."+in.Format))
			w, err := newRowWriter(hctx.BodyWriter(), in.Format, in.Encoding, templateHeader())
			if err == nil {
				err = w.close()
			}
			if err != nil {
				panic(http.ErrAbortHandler)
			}
		}}, nil
	})
}
