package housing

import (
	"bytes"
	"context"
	"errors"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
	"talentd/internal/httpapi"
	"talentd/talent"
)

type unitImportInput struct {
	Partial     bool   `query:"partial" doc:"Import the valid rows even if some rows are bad (default: all or nothing)"`
	ContentType string `header:"Content-Type"`
	RawBody     []byte
}

type unitImportOutput struct {
	Status int
	Body   UnitImportResult
}

type unitTemplateInput struct {
	Format   string `query:"format" enum:"csv,xlsx" default:"xlsx"`
	Encoding string `query:"encoding" enum:"utf-8,gbk" default:"utf-8" doc:"CSV only: utf-8 (with BOM, for current Excel) or gbk (for old Excel)"`
}

func registerUnitImport(api huma.API, s *Service) {
	fileSchema := &huma.Schema{Type: huma.TypeString, Format: "binary", ContentEncoding: "binary"}
	xlsx := talent.MediaTypeOf("xlsx", "")
	huma.Register(api, httpapi.Upload(auth.Allow(huma.Operation{
		OperationID: "import-housing-units", Method: http.MethodPost, Path: "/v1/housing/units/import", Tags: tags,
		Summary: "Import units from CSV or XLSX",
		Description: "Upload the file in the multipart field `file` (or send the file itself as the body). Headers in Chinese " +
			"(小区, 小区地址, 楼栋, 房号, 楼层, 户型 or 室数, 面积, 类型, 月租金(元)); 类型 as 人才公寓/公租房; 户型 as 2, 2室1厅 or 单间; " +
			"rent in yuan. CSV may be UTF-8 or GBK. Estates are created by name when new; a unit of the same estate, building " +
			"and number is updated (not its kind while an offer or lease holds it). By default one bad row imports nothing " +
			"(422 with the report); `partial=true` imports the valid rows. Limit: 32 MiB.",
		RequestBody: &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			"multipart/form-data": {Schema: &huma.Schema{Type: huma.TypeObject, Required: []string{"file"},
				Properties: map[string]*huma.Schema{"file": fileSchema}}},
			"text/csv": {Schema: fileSchema},
			xlsx:       {Schema: fileSchema},
		}},
		Errors: []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
		// The body is a file, not JSON: it is read raw (within the limit) and checked row by row.
		SkipValidateBody: true,
	}, housingRoles...), talent.MaxImportBytes+64<<10),
		func(ctx context.Context, in *unitImportInput) (*unitImportOutput, error) {
			data, err := talent.UploadedFile(in.ContentType, in.RawBody)
			if err != nil {
				return nil, err
			}
			res, err := s.ImportUnits(ctx, data, in.Partial)
			if errors.Is(err, ErrUnitImportRefused) {
				return &unitImportOutput{Status: http.StatusUnprocessableEntity, Body: res}, nil
			}
			if err != nil {
				return nil, err
			}
			return &unitImportOutput{Status: http.StatusOK, Body: res}, nil
		})

	download := &huma.Response{Description: "The template", Content: map[string]*huma.MediaType{
		"text/csv": {Schema: &huma.Schema{Type: huma.TypeString}}, xlsx: {Schema: &huma.Schema{Type: huma.TypeString, Format: "binary"}}}}
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-housing-unit-import-template", Method: http.MethodGet, Path: "/v1/housing/units/import-template",
		Tags: tags, Summary: "Download the unit import template",
		Description: "XLSX: sheet 房源信息 with the headers, one example row (skipped by the import when left as it is), a " +
			"drop-down list for 类型 and a hint per column; sheet 填写说明 describes every column. CSV: the header and the example row.",
		Responses: map[string]*huma.Response{"200": download},
	}, housingRoles...), func(ctx context.Context, in *unitTemplateInput) (*huma.StreamResponse, error) {
		var buf bytes.Buffer
		if err := s.UnitImportTemplate(ctx, &buf, in.Format, in.Encoding); err != nil {
			return nil, err
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			hctx.SetHeader("Content-Type", talent.MediaTypeOf(in.Format, in.Encoding))
			hctx.SetHeader("Content-Disposition", talent.ContentDisposition("房源导入模板."+in.Format))
			_, _ = hctx.BodyWriter().Write(buf.Bytes())
		}}, nil
	})
}
