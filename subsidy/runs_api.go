package subsidy

import (
	"bytes"
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/answer"
	"talentd/internal/auth"
	"talentd/internal/httpapi"
	"talentd/internal/idempotency"
	"talentd/internal/page"
	"talentd/internal/vocab"
	"talentd/talent"
)

func init() {
	vocab.AddFieldLabels(map[string]vocab.Label{
		"RunInput.payout_ids":      {Zh: "付款编号列表", En: "Payouts"},
		"RunInput.control_count":   {Zh: "申报笔数", En: "Control count"},
		"RunInput.control_sum_fen": {Zh: "申报合计金额（分）", En: "Control sum (fen)"},
	})
}

// Schema describes a RunStatus.
func (RunStatus) Schema(huma.Registry) *huma.Schema { return RunStatusVocab.Schema() }

// Schema describes a RunLineStatus.
func (RunLineStatus) Schema(huma.Registry) *huma.Schema { return RunLineStatusVocab.Schema() }

type createRunInput struct {
	idempotency.Header
	Body RunInput
}

type listRunsInput struct {
	Status RunStatus `query:"status"`
	page.Query
}

type runFileOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	CacheControl       string `header:"Cache-Control"`
	Body               []byte
}

type importReportInput struct {
	ID      int64 `path:"id" minimum:"1"`
	RawBody []byte
}

func registerRuns(api huma.API, s *Service) {
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "create-subsidy-payout-run", Method: http.MethodPost, Path: "/v1/subsidy/payout-runs", Tags: tags,
		Summary: "Put approved payouts into a payout run",
		Description: "Every payout must be approved, have a bank account and wait in no other run. control_count and " +
			"control_sum_fen must equal the payouts' count and total (422 run_control_totals naming which disagrees). " +
			"Requires an Idempotency-Key.",
		DefaultStatus: http.StatusCreated,
		Errors:        []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, runRoles...), func(ctx context.Context, in *createRunInput) (*answer.Body[PayoutRun], error) {
		req, err := in.Request(ctx, in.Body)
		if err != nil {
			return nil, err
		}
		return answer.Of(s.CreateRun(ctx, req, in.Body))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-subsidy-payout-runs", Method: http.MethodGet, Path: "/v1/subsidy/payout-runs", Tags: tags,
		Summary: "List the payout runs", Description: "Without their lines: read a run for them.",
	}, runRoles...), func(ctx context.Context, in *listRunsInput) (*answer.Body[page.Of[PayoutRun]], error) {
		return answer.Of(s.Runs(ctx, in.Status, in.Query))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-subsidy-payout-run", Method: http.MethodGet, Path: "/v1/subsidy/payout-runs/{id}", Tags: tags,
		Summary: "A payout run with its lines", Errors: []int{http.StatusNotFound},
	}, runRoles...), func(ctx context.Context, in *subsidyIDInput) (*answer.Body[PayoutRun], error) {
		return answer.Of(s.Run(ctx, in.ID))
	})

	xmlFile := &huma.Response{Description: "The file", Content: map[string]*huma.MediaType{
		"application/xml": {Schema: &huma.Schema{Type: huma.TypeString}}}}
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-subsidy-payout-run-pain001", Method: http.MethodGet, Path: "/v1/subsidy/payout-runs/{id}/pain.001.xml",
		Tags: tags, Summary: "The run's ISO 20022 pain.001.001.09 credit-transfer file",
		Description: "Debtor: the configured payer (the district finance bureau's subsidy account); one transfer per line, " +
			"to the payee's account under the line's end-to-end id. The first download marks the run exported. Without a " +
			"configured payer no file is made (409 payer_not_configured).",
		Responses: map[string]*huma.Response{"200": xmlFile},
		Errors:    []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, runRoles...), func(ctx context.Context, in *subsidyIDInput) (*runFileOutput, error) {
		var buf bytes.Buffer
		if err := s.WriteRunFile(ctx, in.ID, &buf); err != nil {
			return nil, err
		}
		return &runFileOutput{ContentType: "application/xml; charset=utf-8", CacheControl: "no-store",
			ContentDisposition: talent.ContentDisposition("subsidy-run-" + runEntity(in.ID) + ".pain.001.xml"), Body: buf.Bytes()}, nil
	})

	csvFile := &huma.Response{Description: "The file", Content: map[string]*huma.MediaType{
		"text/csv": {Schema: &huma.Schema{Type: huma.TypeString}}}}
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "export-subsidy-payout-run", Method: http.MethodGet, Path: "/v1/subsidy/payout-runs/{id}/export.csv",
		Tags: tags, Summary: "The run's lines as CSV (UTF-8 with BOM, Chinese headers, accounts masked)",
		Responses: map[string]*huma.Response{"200": csvFile},
		Errors:    []int{http.StatusNotFound},
	}, runRoles...), func(ctx context.Context, in *subsidyIDInput) (*runFileOutput, error) {
		var buf bytes.Buffer
		if err := s.WriteRunCSV(ctx, in.ID, &buf); err != nil {
			return nil, err
		}
		return &runFileOutput{ContentType: talent.MediaTypeOf("csv", "utf-8"), CacheControl: "no-store",
			ContentDisposition: talent.ContentDisposition("付款批次_" + runEntity(in.ID) + ".csv"), Body: buf.Bytes()}, nil
	})

	huma.Register(api, httpapi.Upload(auth.Allow(huma.Operation{
		OperationID: "import-subsidy-payout-run-pain002", Method: http.MethodPost, Path: "/v1/subsidy/payout-runs/{id}/pain.002",
		Tags: tags, Summary: "Settle a run from the bank's pain.002 status report",
		Description: "The body is the bank's XML (at most 8 MiB). A report about another file, naming an unknown line, or whose " +
			"totals disagree is refused whole (422) and changes nothing. Otherwise each pending line is paid, rejected " +
			"(the payout fails with the reason code) or left pending. Importing the same report again changes nothing.",
		RequestBody: &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			"application/xml": {Schema: &huma.Schema{Type: huma.TypeString}},
			"text/xml":        {Schema: &huma.Schema{Type: huma.TypeString}},
		}},
		Errors: []int{http.StatusNotFound, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
		// The body is XML, read raw within the limit and checked by the reader.
		SkipValidateBody: true,
	}, runRoles...), MaxReportBytes+64<<10), func(ctx context.Context, in *importReportInput) (*answer.Body[ReportResult], error) {
		return answer.Of(s.ImportReport(ctx, in.ID, in.RawBody))
	})
}
