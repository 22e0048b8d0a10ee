package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"talentd/internal/money"
)

// payoutReportJSON is the payout report as the API answers it.
type payoutReportJSON struct {
	GroupBy []string `json:"group_by"`
	Rows    []struct {
		Programme *struct {
			ID           int64  `json:"id"`
			Code         string `json:"code"`
			BudgetFen    *int64 `json:"budget_fen"`
			CommittedFen *int64 `json:"committed_fen"`
			PaidFen      *int64 `json:"paid_fen"`
		} `json:"programme"`
		Year        *int `json:"year"`
		Beneficiary *struct {
			Kind string `json:"kind"`
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"beneficiary"`
		Status *struct {
			Code  string `json:"code"`
			Label string `json:"label"`
		} `json:"status"`
		Count     int   `json:"count"`
		AmountFen int64 `json:"amount_fen"`
	} `json:"rows"`
	Total struct {
		Count     int   `json:"count"`
		AmountFen int64 `json:"amount_fen"`
	} `json:"total"`
}

// payoutReport reads the report as user, failing unless it answers 200 with rows that add up to
// the total.
func (e *testEnv) payoutReport(t *testing.T, user, query string, headers ...string) payoutReportJSON {
	t.Helper()
	r := e.call("GET", "/v1/subsidy/reports/payouts"+query, user, nil, headers...)
	mustStatus(t, r, http.StatusOK, "report "+query)
	var rep payoutReportJSON
	if err := json.Unmarshal(r.Body, &rep); err != nil {
		t.Fatalf("%v: %s", err, r.Body)
	}
	count, sum := 0, int64(0)
	for _, row := range rep.Rows {
		count, sum = count+row.Count, sum+row.AmountFen
	}
	if count != rep.Total.Count || sum != rep.Total.AmountFen {
		t.Errorf("report %s as %s: the rows add up to %d payouts of %d fen, the total is %+v", query, user, count, sum, rep.Total)
	}
	return rep
}

// ledgerOf is the ledger's payouts matching where, by id: their amounts in fen.
func (e *testEnv) ledgerOf(t *testing.T, where string, args ...any) map[int64]int64 {
	t.Helper()
	var rows []struct {
		ID     int64 `db:"id"`
		Amount int64 `db:"amount_fen"`
	}
	if err := e.db.Select(&rows, `SELECT id, amount_fen FROM subsidy_payouts WHERE `+where, args...); err != nil {
		t.Fatal(err)
	}
	out := map[int64]int64{}
	for _, r := range rows {
		out[r.ID] = r.Amount
	}
	return out
}

// checkExportRows holds an export's rows (header first) to the ledger's payouts: one row each,
// with the ledger's amount in fen and in yuan, then 合计 with their count and sum.
func checkExportRows(t *testing.T, what string, rows [][]string, ledger map[int64]int64) {
	t.Helper()
	if len(rows) < 2 || rows[0][0] != "发放编号" || rows[0][7] != "金额（元）" || rows[0][8] != "金额（分）" {
		t.Fatalf("%s: header %q", what, rows)
	}
	body, total := rows[1:len(rows)-1], rows[len(rows)-1]
	if len(body) != len(ledger) {
		t.Errorf("%s: %d rows, the ledger has %d payouts", what, len(body), len(ledger))
	}
	var sum int64
	for _, row := range body {
		id, _ := strconv.ParseInt(row[0], 10, 64)
		amount, ok := ledger[id]
		if !ok || row[8] != strconv.FormatInt(amount, 10) || row[7] != money.Fen(amount).String() {
			t.Errorf("%s: row %q, the ledger has %d fen (%v)", what, row, amount, ok)
		}
		sum += amount
	}
	if total[0] != "合计" || total[1] != fmt.Sprintf("%d 笔", len(ledger)) || total[8] != strconv.FormatInt(sum, 10) ||
		total[7] != money.Fen(sum).String() {
		t.Errorf("%s: total row %q, the ledger has %d payouts of %d fen", what, total, len(ledger), sum)
	}
}

// exportRows downloads the payout export as user and reads its rows: CSV decoded from GBK, XLSX
// through excelize.
func (e *testEnv) exportRows(t *testing.T, user, query string) [][]string {
	t.Helper()
	r := e.call("GET", "/v1/subsidy/payouts/export"+query, user, nil)
	mustStatus(t, r, http.StatusOK, "export "+query)
	disposition := r.Header.Get("Content-Disposition")
	if !strings.HasPrefix(disposition, "attachment;") || !strings.Contains(disposition, "filename*=UTF-8''"+
		"%E8%B5%84%E9%87%91%E5%8F%91%E6%94%BE%E6%98%8E%E7%BB%86_") {
		t.Errorf("Content-Disposition %q", disposition)
	}
	if strings.Contains(query, "format=xlsx") {
		f, err := excelize.OpenReader(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if !strings.HasSuffix(disposition, ".xlsx") {
			t.Errorf("Content-Disposition %q", disposition)
		}
		rows, err := f.GetRows("资金发放明细")
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=gb18030" || !strings.HasSuffix(disposition, ".csv") {
		t.Errorf("Content-Type %q, Content-Disposition %q", ct, disposition)
	}
	text, err := io.ReadAll(simplifiedchinese.GBK.NewDecoder().Reader(bytes.NewReader(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatalf("%v:\n%s", err, text)
	}
	return rows
}

func TestSubsidyReports_API(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	awards := e.createSubsidyProgramme(t, subsidyProgrammeBody("report_awards", 100_000_000))
	c := newSubsidyApplicationCase(t, e, 100_000_000)
	step := func(id, what, user string, body any) {
		t.Helper()
		mustStatus(t, e.call("POST", "/v1/subsidy/payouts/"+id+"/"+what, user, body, "Idempotency-Key", what+"-"+id),
			http.StatusOK, what+" "+id)
	}
	approve := func(id string) {
		t.Helper()
		mustStatus(t, e.call("PUT", "/v1/subsidy/payouts/"+id+"/bank-account", "office", map[string]any{"account_name": "张伟",
			"account_number": "6222020200112341234", "bank_code": "102653000012"}), http.StatusOK, "account "+id)
		step(id, "approve", "finance", nil)
	}
	pay := func(id string) {
		t.Helper()
		approve(id)
		step(id, "mark-paid", "finance", map[string]any{"bank_reference": "CQ" + id})
	}

	// Talent of X paid, approved and cancelled; talent of Y failed and pending; each enterprise's
	// subsidy approved, X's paid.
	pay(e.awardedPayoutOf(t, awards, "office", "hr-x", 1_000_001))
	approve(e.awardedPayoutOf(t, awards, "office", "hr-x", 234_567))
	step(e.awardedPayoutOf(t, awards, "office", "hr-x", 300_003), "cancel", "office", map[string]any{"reason": "重复评定"})
	failed := e.awardedPayoutOf(t, awards, "office", "hr-y", 500_050)
	approve(failed)
	step(failed, "fail", "finance", map[string]any{"reason": "户名不符"})
	e.awardedPayoutOf(t, awards, "office", "hr-y", 77_777)
	for _, hr := range []string{"hr-x", "hr-y"} {
		r := e.call("POST", "/v1/subsidy/applications", hr, c.body())
		mustStatus(t, r, http.StatusCreated, hr+" applies")
		r = e.call("POST", fmt.Sprintf("/v1/subsidy/applications/%d/approve", decodeApplication(t, r).ID), "office", map[string]any{})
		mustStatus(t, r, http.StatusOK, "approve "+hr+"'s application")
		if hr == "hr-x" {
			pay(fmt.Sprint(*decodeApplication(t, r).PayoutID))
		}
	}
	all := e.ledgerOf(t, "true")
	if len(all) != 7 {
		t.Fatalf("%d payouts", len(all))
	}
	sumOf := func(ledger map[int64]int64) (sum int64) {
		for _, a := range ledger {
			sum += a
		}
		return sum
	}

	t.Run("Report", func(t *testing.T) {
		rep := e.payoutReport(t, "finance", "")
		if rep.Total.Count != len(all) || rep.Total.AmountFen != sumOf(all) || !slices.Equal(rep.GroupBy, []string{"programme", "status"}) {
			t.Errorf("report %+v, the ledger has %d payouts of %d fen", rep, len(all), sumOf(all))
		}
		comma := e.call("GET", "/v1/subsidy/reports/payouts?group_by=beneficiary,year&status=paid", "finance", nil)
		repeated := e.call("GET", "/v1/subsidy/reports/payouts?group_by=beneficiary&group_by=year&status=paid", "finance", nil)
		if comma.Status != http.StatusOK || string(comma.Body) != string(repeated.Body) {
			t.Errorf("comma-separated and repeated differ:\n%s\n%s", comma.Body, repeated.Body)
		}
		paid := e.ledgerOf(t, "status = 'paid'")
		if rep := e.payoutReport(t, "finance", "?group_by=programme&status=paid"); rep.Total.AmountFen != sumOf(paid) || len(rep.Rows) != 2 {
			t.Errorf("paid: %+v, the ledger pays %d", rep, sumOf(paid))
		} else {
			for _, row := range rep.Rows {
				p := row.Programme
				want := int64(e.count(`SELECT paid_fen FROM subsidy_programmes WHERE id = $1`, p.ID))
				if p.PaidFen == nil || *p.PaidFen != want || row.AmountFen != want || p.BudgetFen == nil || p.CommittedFen == nil {
					t.Errorf("programme %d: row %+v, paid %d", p.ID, row, want)
				}
			}
		}
		for lang, want := range map[string]string{"zh-CN": "已支付", "en": "Paid"} {
			rep := e.payoutReport(t, "office", "?group_by=status&status=paid", "Accept-Language", lang)
			if len(rep.Rows) != 1 || rep.Rows[0].Status.Label != want || rep.Rows[0].Status.Code != "paid" {
				t.Errorf("%s: %+v", lang, rep.Rows)
			}
		}
	})

	t.Run("Export", func(t *testing.T) {
		checkExportRows(t, "CSV", e.exportRows(t, "finance", ""), all)
		checkExportRows(t, "XLSX", e.exportRows(t, "finance", "?format=xlsx"), all)
		checkExportRows(t, "paid talent", e.exportRows(t, "admin", "?format=xlsx&status=paid&beneficiary_kind=talent"),
			e.ledgerOf(t, "status = 'paid' AND beneficiary_kind = 'talent'"))
	})

	t.Run("HRScope", func(t *testing.T) {
		for hr, ent := range map[string]int64{"hr-x": e.entX.ID, "hr-y": e.entY.ID} {
			own := e.ledgerOf(t, "enterprise_id = $1", ent)
			rep := e.payoutReport(t, hr, "?group_by=beneficiary,programme")
			if rep.Total.Count != len(own) || rep.Total.AmountFen != sumOf(own) || len(own) < 2 {
				t.Errorf("%s: report total %+v, its payouts %v", hr, rep.Total, own)
			}
			var others []string
			if err := e.db.Select(&others, `SELECT beneficiary_kind || ':' || CASE WHEN beneficiary_kind = 'talent'
				THEN talent_id ELSE enterprise_id END FROM subsidy_payouts WHERE enterprise_id <> $1`, ent); err != nil {
				t.Fatal(err)
			}
			for _, row := range rep.Rows {
				if slices.Contains(others, fmt.Sprintf("%s:%d", row.Beneficiary.Kind, row.Beneficiary.ID)) {
					t.Errorf("%s sees %+v", hr, row.Beneficiary)
				}
			}
			checkExportRows(t, hr+" CSV", e.exportRows(t, hr, ""), own)
			checkExportRows(t, hr+" XLSX", e.exportRows(t, hr, "?format=xlsx"), own)
		}
		if rep := e.payoutReport(t, "hr-y", fmt.Sprintf("?enterprise_id=%d", e.entX.ID)); rep.Total.Count != 0 {
			t.Errorf("HR of Y reads X's payouts: %+v", rep)
		}
	})

	t.Run("Refused", func(t *testing.T) {
		for _, user := range []string{"window", "commissioner", "housing"} {
			mustStatus(t, e.call("GET", "/v1/subsidy/reports/payouts", user, nil), http.StatusForbidden, user+" reports")
			mustStatus(t, e.call("GET", "/v1/subsidy/payouts/export", user, nil), http.StatusForbidden, user+" exports")
		}
		before := dbFingerprint(t, e)
		for _, path := range []string{"/v1/subsidy/reports/payouts?group_by=enterprise", "/v1/subsidy/reports/payouts?group_by=programme,",
			"/v1/subsidy/reports/payouts?status=lost", "/v1/subsidy/reports/payouts?year=-1", "/v1/subsidy/reports/payouts?beneficiary_kind=robot",
			"/v1/subsidy/reports/payouts?programme_id=abc", "/v1/subsidy/payouts/export?format=pdf", "/v1/subsidy/payouts/export?encoding=latin1",
			"/v1/subsidy/payouts/export?status=lost", "/v1/subsidy/payouts/export?enterprise_id=-5"} {
			r := e.call("GET", path, "finance", nil, "Accept-Language", "zh-CN")
			mustStatus(t, r, http.StatusUnprocessableEntity, path)
			var p struct {
				Detail string `json:"detail"`
				Errors []struct {
					Message string `json:"message"`
				} `json:"errors"`
			}
			if err := json.Unmarshal(r.Body, &p); err != nil || len(p.Errors) == 0 || !hasHan(p.Errors[0].Message) ||
				!strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("%s: not a problem in Chinese: %s", path, r.Body)
			}
		}
		if after := dbFingerprint(t, e); after != before {
			t.Error("a refused request changed the database")
		}
	})
}
