package web

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"talentd/internal/errs"
	"talentd/internal/money"
	"talentd/internal/page"
	"talentd/internal/reqctx"
	"talentd/subsidy"
)

type financeRun struct {
	subsidy.PayoutRun
	StatusZh, StatusEn string
}

type financeRunLine struct {
	subsidy.RunLine
	StatusZh, StatusEn string
}

type financeRunsData struct {
	financePage
	Runs []financeRun
	// Approved are the approved payouts a new run may take.
	Approved       []financePayout
	ApprovedMore   bool
	Next           string
	Key            string
	ControlCount   string
	ControlSum     string
	Picked         map[int64]bool
	ApprovedSumFen money.Fen
}

type financeRunData struct {
	financePage
	Run    financeRun
	Lines  []financeRunLine
	Result *subsidy.ReportResult
}

func newFinanceRun(r subsidy.PayoutRun) financeRun {
	return financeRun{PayoutRun: r, StatusZh: subsidy.RunStatusVocab.Label(string(r.Status), "zh"),
		StatusEn: subsidy.RunStatusVocab.Label(string(r.Status), "en")}
}

func (s *Site) financeRuns(w http.ResponseWriter, r *http.Request) {
	fp := newFinancePage("/finance/runs")
	if id := r.URL.Query().Get("created"); id != "" {
		if _, err := strconv.ParseInt(id, 10, 64); err == nil {
			fp.DoneZh, fp.DoneEn = "已生成付款批次 "+id, "Payout run "+id+" created"
		}
	}
	s.renderRuns(w, r, http.StatusOK, financeRunsData{financePage: fp})
}

// renderRuns shows the runs and the approved payouts a new run may take, keeping what the
// clerk entered in d.
func (s *Site) renderRuns(w http.ResponseWriter, r *http.Request, status int, d financeRunsData) {
	ctx := r.Context()
	runs, err := s.o.Subsidy.Runs(ctx, "", listQuery(r, 50))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	for _, run := range runs.Items {
		d.Runs = append(d.Runs, newFinanceRun(run))
	}
	d.Next = nextLink("/finance/runs", runs.NextCursor, nil)
	approved, err := s.o.Subsidy.Payouts(ctx, subsidy.PayoutFilter{Status: subsidy.PayoutApproved}, page.Query{Limit: page.MaxLimit})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	for _, py := range approved.Items {
		d.Approved = append(d.Approved, financePayout{Payout: py})
		d.ApprovedSumFen += py.AmountFen
	}
	d.ApprovedMore = approved.NextCursor != ""
	d.Key = formKey()
	s.render(w, r, status, "finance", "付款批次", d)
}

// financeCreateRun puts the ticked approved payouts into a run with the control totals the
// clerk counted; the service checks them against the payouts.
func (s *Site) financeCreateRun(w http.ResponseWriter, r *http.Request) {
	d := financeRunsData{financePage: newFinancePage("/finance/runs")}
	if err := parseFinanceForm(w, r); err != nil {
		d.refuse(err)
		s.renderRuns(w, r, http.StatusBadRequest, d)
		return
	}
	d.ControlCount, d.ControlSum = strings.TrimSpace(r.PostForm.Get("control_count")), strings.TrimSpace(r.PostForm.Get("control_sum"))
	d.Picked = map[int64]bool{}
	var in subsidy.RunInput
	for _, raw := range r.PostForm["id"] {
		if id, err := strconv.ParseInt(raw, 10, 64); err == nil && id > 0 {
			in.PayoutIDs = append(in.PayoutIDs, id)
			d.Picked[id] = true
		}
	}
	var fields []errs.FieldError
	if len(in.PayoutIDs) == 0 {
		fields = append(fields, errs.Field("body.payout_ids", "required", "请勾选要列入批次的付款", "tick the payouts of the run", nil))
	}
	count, err := strconv.Atoi(d.ControlCount)
	if err != nil || count < 1 {
		fields = append(fields, errs.Field("body.control_count", "invalid", "请填写笔数（正整数）", "the control count is a whole number above 0", nil))
	}
	sum, err := money.Parse(d.ControlSum)
	if err != nil || sum < 1 {
		fields = append(fields, errs.Field("body.control_sum_fen", "invalid", "请填写合计金额（元，如 2000.01）",
			"the control sum is an amount of yuan above 0, e.g. 2000.01", nil))
	}
	if len(fields) > 0 {
		d.refuse(errs.Fields(fields...))
		s.renderRuns(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	in.ControlCount, in.ControlSumFen = count, sum
	req, err := pageRequest(r, "create-subsidy-payout-run", r.PostForm.Get("key"), in)
	var run subsidy.PayoutRun
	if err == nil {
		run, err = s.o.Subsidy.CreateRun(r.Context(), req, in)
	}
	if err != nil {
		status := d.refuse(err)
		if status == 0 {
			s.renderError(w, r, err)
			return
		}
		s.renderRuns(w, r, status, d)
		return
	}
	http.Redirect(w, r, "/finance/runs/"+strconv.FormatInt(run.ID, 10), http.StatusSeeOther)
}

func (s *Site) financeRun(w http.ResponseWriter, r *http.Request) {
	s.renderRun(w, r, http.StatusOK, financeRunData{financePage: newFinancePage("/finance/runs")})
}

func (s *Site) renderRun(w http.ResponseWriter, r *http.Request, status int, d financeRunData) {
	id, err := pathID(r, "id", subsidy.ErrRunNotFound)
	var run subsidy.PayoutRun
	if err == nil {
		run, err = s.o.Subsidy.Run(r.Context(), id)
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d.View, d.Run = "run", newFinanceRun(run)
	for _, l := range run.Lines {
		d.Lines = append(d.Lines, financeRunLine{RunLine: l, StatusZh: subsidy.RunLineStatusVocab.Label(string(l.Status), "zh"),
			StatusEn: subsidy.RunLineStatusVocab.Label(string(l.Status), "en")})
	}
	s.render(w, r, status, "finance", "付款批次 "+strconv.FormatInt(run.ID, 10), d)
}

// errReportMissing refuses an upload without the bank's file.
var errReportMissing = errs.Fields(errs.Field("body.report", "required", "请选择银行回执文件（pain.002 XML）",
	"choose the bank's status report (pain.002 XML)", nil))

// financeImportReport settles the run from the bank's pain.002 file the clerk uploads, and
// shows what it did to each line, or why the whole file was refused.
func (s *Site) financeImportReport(w http.ResponseWriter, r *http.Request) {
	d := financeRunData{financePage: newFinancePage("/finance/runs")}
	id, err := pathID(r, "id", subsidy.ErrRunNotFound)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	const limit = subsidy.MaxReportBytes + 64<<10
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	var body []byte
	if err := r.ParseMultipartForm(limit); err != nil {
		err = errFormUnreadable
	} else if f, _, ferr := r.FormFile("report"); ferr != nil {
		err = errReportMissing
	} else {
		body, err = io.ReadAll(f)
		_ = f.Close()
	}
	if err == nil {
		var res subsidy.ReportResult
		if res, err = s.o.Subsidy.ImportReport(r.Context(), id, body); err == nil {
			d.Result = &res
			d.DoneZh = "已导入银行回执 " + res.ReportMessageID
			d.DoneEn = "Imported the bank's report " + res.ReportMessageID
		}
	}
	status := http.StatusOK
	if err != nil {
		if status = d.refuse(err); status == 0 {
			s.renderError(w, r, err)
			return
		}
	}
	s.renderRun(w, r, status, d)
}

type financeReportRow struct {
	Cells     []string
	Count     int
	AmountFen money.Fen
}

type financeReportData struct {
	financePage
	Groups    []financeOption
	Statuses  []financeOption
	Headings  []financeOption
	Rows      []financeReportRow
	Total     subsidy.PayoutReportTotal
	Year      string
	CSV, XLSX string
}

// financeReports shows the payout ledger grouped as the clerk chooses, with the exports of the
// same ledger.
func (s *Site) financeReports(w http.ResponseWriter, r *http.Request) {
	d := financeReportData{financePage: newFinancePage("/finance/reports")}
	q := r.URL.Query()
	lang := reqctx.Lang(r.Context())
	f := subsidy.LedgerFilter{}
	if st := q.Get("status"); subsidy.PayoutStatusVocab.Has(st) {
		f.Status = subsidy.PayoutStatus(st)
	}
	if y, err := strconv.Atoi(q.Get("year")); err == nil && y >= 2000 && y <= 2100 {
		f.Year, d.Year = y, strconv.Itoa(y)
	}
	groups := q["group_by"]
	rep, err := s.o.Subsidy.PayoutReport(r.Context(), groups, f)
	status := http.StatusOK
	if err != nil {
		if status = d.refuse(err); status == 0 {
			s.renderError(w, r, err)
			return
		}
		rep, err = s.o.Subsidy.PayoutReport(r.Context(), nil, f)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
	}
	chosen := map[subsidy.ReportGroup]bool{}
	for _, g := range rep.GroupBy {
		chosen[g] = true
		d.Headings = append(d.Headings, financeOption{Value: string(g), Zh: subsidy.ReportGroupVocab.Label(string(g), "zh"),
			En: subsidy.ReportGroupVocab.Label(string(g), "en")})
	}
	for _, code := range subsidy.ReportGroupVocab.Codes() {
		d.Groups = append(d.Groups, financeOption{Value: code, Zh: subsidy.ReportGroupVocab.Label(code, "zh"),
			En: subsidy.ReportGroupVocab.Label(code, "en"), Selected: chosen[subsidy.ReportGroup(code)]})
	}
	for _, code := range subsidy.PayoutStatusVocab.Codes() {
		d.Statuses = append(d.Statuses, financeOption{Value: code, Zh: subsidy.PayoutStatusVocab.Label(code, "zh"),
			En: subsidy.PayoutStatusVocab.Label(code, "en"), Selected: code == string(f.Status)})
	}
	for _, row := range rep.Rows {
		out := financeReportRow{Count: row.Count, AmountFen: row.AmountFen}
		for _, g := range rep.GroupBy {
			out.Cells = append(out.Cells, reportCell(row, g, lang))
		}
		d.Rows = append(d.Rows, out)
	}
	d.Total = rep.Total
	export := url.Values{}
	if f.Status != "" {
		export.Set("status", string(f.Status))
	}
	if f.Year != 0 {
		export.Set("year", d.Year)
	}
	export.Set("format", "csv")
	d.CSV = "/v1/subsidy/payouts/export?" + export.Encode()
	export.Set("format", "xlsx")
	d.XLSX = "/v1/subsidy/payouts/export?" + export.Encode()
	s.render(w, r, status, "finance", "报表与导出", d)
}

// reportCell is a report row's key g as the table shows it.
func reportCell(row subsidy.PayoutReportRow, g subsidy.ReportGroup, lang string) string {
	switch g {
	case subsidy.GroupProgramme:
		if row.Programme != nil {
			return row.Programme.Name
		}
	case subsidy.GroupYear:
		if row.Year != nil {
			return strconv.Itoa(*row.Year)
		}
	case subsidy.GroupBeneficiary:
		if row.Beneficiary != nil {
			return row.Beneficiary.Name + "（" + subsidy.BeneficiaryKindVocab.Label(string(row.Beneficiary.Kind), lang) + "）"
		}
	case subsidy.GroupStatus:
		if row.Status != nil {
			return subsidy.PayoutStatusVocab.Label(string(row.Status.Code), lang)
		}
	}
	return ""
}
