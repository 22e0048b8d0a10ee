package subsidy

import (
	"context"
	"io"
	"slices"
	"strconv"
	"time"

	"talentd/internal/civil"
	"talentd/internal/money"
	"talentd/internal/reqctx"
	"talentd/internal/tabular"
)

// PayoutReport groups the payouts the caller sees under the filter by groupBy (each value one
// key or several separated by commas; none groups by programme and status) and counts and sums
// each group and the whole. HR sees the payouts to its enterprise and its own talent, and the
// budget figures of open programmes; the office, finance and admin everything.
func (s *Service) PayoutReport(ctx context.Context, groupBy []string, f LedgerFilter) (PayoutReport, error) {
	scope, err := payoutScope(ctx)
	if err != nil {
		return PayoutReport{}, err
	}
	onlyOpen, err := programmeScope(ctx)
	if err != nil {
		return PayoutReport{}, err
	}
	groups, err := parseReportGroups(groupBy)
	if err != nil {
		return PayoutReport{}, err
	}
	lines, err := payoutReport(ctx, s.db, f, scope.All(), scope.EnterpriseID(), groups, !onlyOpen)
	if err != nil {
		return PayoutReport{}, err
	}
	lang := reqctx.Lang(ctx)
	out := PayoutReport{GroupBy: groups, Rows: []PayoutReportRow{}}
	for _, l := range lines {
		if l.Total {
			out.Total = PayoutReportTotal{Count: l.Count, AmountFen: l.AmountFen}
			continue
		}
		out.Rows = append(out.Rows, l.row(lang))
	}
	slices.SortStableFunc(out.Rows, compareRows(groups))
	return out, nil
}

// row is the report row of a group, with the status labelled in lang.
func (l reportLine) row(lang string) PayoutReportRow {
	r := PayoutReportRow{Year: l.Year, Count: l.Count, AmountFen: l.AmountFen}
	if l.ProgrammeID != nil {
		r.Programme = &PayoutReportProgramme{ID: *l.ProgrammeID, Code: *l.ProgrammeCode, Name: *l.ProgrammeName,
			BudgetFen: l.BudgetFen, CommittedFen: l.CommittedFen, PaidFen: l.PaidFen}
	}
	if l.BeneficiaryKind != nil {
		r.Beneficiary = &PayoutBeneficiary{Kind: BeneficiaryKind(*l.BeneficiaryKind), ID: *l.BeneficiaryID,
			Name: *l.BeneficiaryName}
	}
	if l.Status != nil {
		r.Status = &PayoutReportStatus{Code: PayoutStatus(*l.Status), Label: PayoutStatusVocab.Label(*l.Status, lang)}
	}
	return r
}

// payoutExportHeader is the header row of the payout export; exportCells writes the cells in
// this order.
var payoutExportHeader = []string{"发放编号", "项目编码", "项目名称", "年度", "受益人类型", "受益人", "收款账号（脱敏）",
	"金额（元）", "金额（分）", "状态", "应付日期", "审批时间", "支付时间", "银行交易流水号"}

// payoutExportSheet names the export's sheet.
const payoutExportSheet = "资金发放明细"

// exportPageSize is how many payouts the export reads at a time, so that its memory stays flat
// however long the ledger.
const exportPageSize = 500

// CheckPayoutExport refuses, before a download starts, a caller who may not export the ledger.
func (s *Service) CheckPayoutExport(ctx context.Context) error {
	_, err := payoutScope(ctx)
	return err
}

// payoutExportName is the file name of an export made at now, in format ("csv" or "xlsx").
func payoutExportName(now time.Time, format string) string {
	return payoutExportSheet + "_" + now.In(civil.District).Format("20060102") + "." + format
}

// ExportPayouts writes the payouts the caller sees under the filter to w, one row per payout in
// id order, then a 合计 row with their count and sum: format "xlsx", or CSV (encoding "gbk" for
// GB18030, anything else UTF-8 with a byte order mark). Accounts are masked; amounts are the
// ledger's fen, and yuan formatted from them. It reads the ledger a page at a time and returns
// how many payouts it wrote.
func (s *Service) ExportPayouts(ctx context.Context, w io.Writer, f LedgerFilter, format, encoding string) (int, error) {
	return s.exportPayouts(ctx, w, f, format, encoding, exportPageSize)
}

// exportPayouts is ExportPayouts reading pageSize payouts at a time.
func (s *Service) exportPayouts(ctx context.Context, w io.Writer, f LedgerFilter, format, encoding string, pageSize int) (int, error) {
	scope, err := payoutScope(ctx)
	if err != nil {
		return 0, err
	}
	out, err := tabular.NewRowWriter(w, format, encoding, payoutExportSheet, payoutExportHeader)
	if err != nil {
		return 0, err
	}
	n, sum := 0, money.Fen(0)
	for after := int64(0); ; {
		page, err := ledgerPage(ctx, s.db, f, scope.All(), scope.EnterpriseID(), after, pageSize)
		if err != nil {
			return n, err
		}
		for _, e := range page {
			if err := out.WriteRow(e.cells()); err != nil {
				return n, err
			}
			n, sum, after = n+1, sum+e.AmountFen, e.ID
		}
		if len(page) < pageSize {
			break
		}
	}
	total := make([]string, len(payoutExportHeader))
	total[0], total[1], total[7], total[8] = "合计", strconv.Itoa(n)+" 笔", sum.String(), strconv.FormatInt(int64(sum), 10)
	if err := out.WriteRow(total); err != nil {
		return n, err
	}
	return n, out.Close()
}

// cells is the payout as a row of the export.
func (e ledgerEntry) cells() []string {
	instant := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(civil.District).Format(time.DateTime)
	}
	reference := ""
	if e.BankReference != nil {
		reference = *e.BankReference
	}
	return []string{strconv.FormatInt(e.ID, 10), e.Programme.Code, e.Programme.Name, strconv.Itoa(e.Year),
		BeneficiaryKindVocab.Label(string(e.Beneficiary.Kind), "zh"), e.Beneficiary.Name, e.BankAccountMasked,
		e.AmountFen.String(), strconv.FormatInt(int64(e.AmountFen), 10), PayoutStatusVocab.Label(string(e.Status), "zh"),
		e.DueOn.String(), instant(e.ApprovedAt), instant(e.PaidAt), reference}
}
