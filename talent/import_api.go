package talent

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/httpapi"
)

type importInput struct {
	Partial     bool   `query:"partial" doc:"Import the valid rows even if some rows are bad (default: all or nothing)"`
	ContentType string `header:"Content-Type"`
	RawBody     []byte
}

type importOutput struct {
	Status int
	Body   ImportResult
}

// Problems with the upload itself, before any file is read.
var (
	errMalformedForm = errs.New(errs.BadRequest, "malformed_upload", "上传的表单格式不正确，请重新选择文件上传",
		"malformed multipart form")
	errNoFile = errs.Fields(errs.Field("body.file", "no_file", "请选择要上传的 CSV 或 Excel 文件（表单字段 file）",
		"send the CSV or XLSX file in the form field \"file\"", nil))
)

// UploadedFile takes the file out of a multipart form (field "file"), or the body itself when a
// script sends the CSV or XLSX bytes directly.
func UploadedFile(contentType string, body []byte) ([]byte, error) {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil || mediaType != "multipart/form-data" {
		return body, nil
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, errMalformedForm.With(err)
		}
		if part.FormName() == "file" {
			data, err := io.ReadAll(part)
			if err != nil {
				return nil, errMalformedForm.With(err)
			}
			return data, nil
		}
	}
	return nil, errNoFile
}

var xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func registerImport(api huma.API, s *Service) {
	fileSchema := &huma.Schema{Type: huma.TypeString, Format: "binary", ContentEncoding: "binary"}
	huma.Register(api, httpapi.Upload(auth.Allow(huma.Operation{
		OperationID: "import-talents", Method: http.MethodPost, Path: "/v1/talents/import", Tags: []string{"Talent registry"},
		Summary: "Import talent records from CSV or XLSX",
		Description: "Upload the file in the multipart field `file` (or send the file itself as the body). Headers in Chinese " +
			"(姓名, 性别, 身份证号, 手机号, 学历, 毕业院校, 专业, 职称, 技能等级, 年薪(元), …) or English; coded values as Chinese labels " +
			"(博士, 正高级, 技师, 男…) or codes; amounts as 350000, 350,000.50 or 35万 (whole fen). CSV may be UTF-8 (with or " +
			"without BOM) or GBK/GB18030. A row without 编号(系统) is a new draft (or updates the draft of the same person); a " +
			"row with the 编号(系统) of an export updates that record — only the cells that differ, masked identity numbers " +
			"kept — under the rules of an edit by hand. Every row is checked; by default one bad row imports nothing (422 " +
			"with the report); `partial=true` imports the valid rows. The report counts created, updated and unchanged " +
			"rows and lists each problem with a stable code and a message in the reader's language. Limit: 32 MiB.",
		RequestBody: &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			"multipart/form-data": {Schema: &huma.Schema{Type: huma.TypeObject, Required: []string{"file"},
				Properties: map[string]*huma.Schema{"file": fileSchema}}},
			"text/csv": {Schema: fileSchema},
			xlsxType:   {Schema: fileSchema},
		}},
		Errors: []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
		// The body is a file, not JSON: it is read raw (within the limit) and checked row by row.
		SkipValidateBody: true,
	}, auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleEnterpriseHR), MaxImportBytes+64<<10),
		func(ctx context.Context, in *importInput) (*importOutput, error) {
			data, err := UploadedFile(in.ContentType, in.RawBody)
			if err != nil {
				return nil, err
			}
			res, err := s.ImportTalents(ctx, data, in.Partial)
			if errors.Is(err, ErrImportRefused) {
				return &importOutput{Status: http.StatusUnprocessableEntity, Body: res}, nil
			}
			if err != nil {
				return nil, err
			}
			return &importOutput{Status: http.StatusOK, Body: res}, nil
		})
}

// ContentDisposition names a download, with the UTF-8 form for Chinese file names.
func ContentDisposition(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + urlPathEscape(name)
}
