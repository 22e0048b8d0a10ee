package talent

import (
	"bytes"
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
)

type templateInput struct {
	Format   string `query:"format" enum:"csv,xlsx" default:"xlsx"`
	Encoding string `query:"encoding" enum:"utf-8,gbk" default:"utf-8" doc:"CSV only: utf-8 (with BOM, for current Excel) or gbk (for old Excel)"`
}

func registerTemplate(api huma.API, s *Service, download *huma.Response) {
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-import-template", Method: http.MethodGet, Path: "/v1/talents/import-template",
		Tags: []string{"Talent registry"}, Summary: "Download the import template",
		Description: "XLSX: sheet 人才信息 with the headers (required ones marked *), one example row (skipped by the " +
			"import when left as it is), drop-down lists for the coded columns, date and year checks and a hint per " +
			"column; sheet 填写说明 describes every column. CSV: the header and the example row.",
		Responses: map[string]*huma.Response{"200": download},
	}, auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleEnterpriseHR), func(ctx context.Context, in *templateInput) (*huma.StreamResponse, error) {
		// The template is small: made whole first, so that a refusal is still an error response.
		var buf bytes.Buffer
		if err := s.ImportTemplate(ctx, &buf, in.Format, in.Encoding); err != nil {
			return nil, err
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			hctx.SetHeader("Content-Type", MediaTypeOf(in.Format, in.Encoding))
			hctx.SetHeader("Content-Disposition", ContentDisposition("人才信息导入模板."+in.Format))
			_, _ = hctx.BodyWriter().Write(buf.Bytes())
		}}, nil
	})
}
