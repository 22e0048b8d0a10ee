package subsidy

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/answer"
	"talentd/internal/auth"
	"talentd/internal/reqctx"
	"talentd/internal/vocab"
	"talentd/talent"
)

func init() {
	vocab.AddFieldLabels(map[string]vocab.Label{
		"group_by":         {Zh: "分组方式", En: "Group by"},
		"beneficiary_kind": {Zh: "受益人类型", En: "Kind of beneficiary"},
	})
}

// LedgerQuery are the query parameters that filter the payout report and export (exported, as huma
// reads the parameters of exported embedded structs only).
type LedgerQuery struct {
	ProgrammeID     int64           `query:"programme_id" minimum:"0" doc:"Only this programme's payouts"`
	Year            int             `query:"year" minimum:"0" maximum:"2100" doc:"Only the payouts of programmes of this year"`
	Status          PayoutStatus    `query:"status"`
	BeneficiaryKind BeneficiaryKind `query:"beneficiary_kind"`
	EnterpriseID    int64           `query:"enterprise_id" minimum:"0" doc:"Only the payouts to this enterprise and to its talent"`
}

func (q LedgerQuery) filter() LedgerFilter {
	return LedgerFilter{ProgrammeID: q.ProgrammeID, Year: q.Year, Status: q.Status, BeneficiaryKind: q.BeneficiaryKind,
		EnterpriseID: q.EnterpriseID}
}

type payoutReportInput struct {
	GroupBy []string `query:"group_by,explode" maxItems:"8" doc:"What to group by: programme, year, beneficiary, status; comma-separated or repeated (default programme,status)"`
	LedgerQuery
}

type exportPayoutsInput struct {
	LedgerQuery
	Format   string `query:"format" enum:"csv,xlsx" default:"csv"`
	Encoding string `query:"encoding" enum:"gbk,utf-8" default:"gbk" doc:"CSV only: gbk (GB18030, as Excel on Chinese Windows reads CSV) or utf-8 (with BOM)"`
}

func registerReports(api huma.API, s *Service) {
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "report-subsidy-payouts", Method: http.MethodGet, Path: "/v1/subsidy/reports/payouts", Tags: tags,
		Summary: "The payout ledger grouped by programme, year, beneficiary or status",
		Description: "Each row carries the keys grouped by, the number of payouts and their sum in fen; `total` counts and sums " +
			"every payout under the filter, and the rows add up to it. Rows grouped by programme carry the programme's own " +
			"budget_fen, committed_fen and paid_fen where the caller reads its budget (HR: open programmes). Status labels " +
			"follow Accept-Language. HR sees the payouts to its enterprise and its own talent.",
		Errors: []int{http.StatusUnprocessableEntity},
	}, readerRoles...), func(ctx context.Context, in *payoutReportInput) (*answer.Body[PayoutReport], error) {
		return answer.Of(s.PayoutReport(ctx, in.GroupBy, in.filter()))
	})

	download := &huma.Response{Description: "The file", Content: map[string]*huma.MediaType{
		"text/csv":                     {Schema: &huma.Schema{Type: huma.TypeString}},
		talent.MediaTypeOf("xlsx", ""): {Schema: &huma.Schema{Type: huma.TypeString, Format: "binary"}}}}
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "export-subsidy-payouts", Method: http.MethodGet, Path: "/v1/subsidy/payouts/export", Tags: tags,
		Summary: "Export the payout ledger (CSV or XLSX)",
		Description: "The payouts under the filter, one row per payout in id order, with Chinese headers: the programme, its " +
			"year, the beneficiary, the masked account, the amount in yuan and in fen, status, due date, approval and payment " +
			"times (China Standard Time) and the bank's reference; a last row 合计 with the count and the sum. HR sees the " +
			"payouts to its enterprise and its own talent.",
		Responses: map[string]*huma.Response{"200": download},
	}, readerRoles...), func(ctx context.Context, in *exportPayoutsInput) (*huma.StreamResponse, error) {
		if err := s.CheckPayoutExport(ctx); err != nil {
			return nil, err // refused before the download starts
		}
		f := in.filter()
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			hctx.SetHeader("Content-Type", talent.MediaTypeOf(in.Format, in.Encoding))
			hctx.SetHeader("Content-Disposition", talent.ContentDisposition(payoutExportName(s.opts.Now(), in.Format)))
			hctx.SetHeader("Cache-Control", "no-store")
			if _, err := s.ExportPayouts(hctx.Context(), hctx.BodyWriter(), f, in.Format, in.Encoding); err != nil {
				s.opts.Logger.ErrorContext(hctx.Context(), "payout export failed", "request_id", reqctx.ID(hctx.Context()), "err", err)
				// Headers are gone: all that is left is to cut the download short, so the client sees it failed.
				panic(http.ErrAbortHandler)
			}
		}}, nil
	})
}
