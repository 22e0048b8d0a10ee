package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"talentd/internal/auth"
	"talentd/internal/httpapi"
	"talentd/internal/iso20022"
)

// finance: approve a payout as a second person, refused as the preparer. Finance account X
// prepared two payouts: X sees their approve buttons disabled with the four-eyes reason, and the
// service refuses X even when the button is forced; finance-2 approves them, puts them in a run
// with control totals (a wrong sum refused), downloads the pain.001 and uploads the bank's
// pain.002, which pays both lines. HR opening the desk gets 403.
func TestPages_FinanceDesk(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.addAccount("finance-2", auth.RoleFinance, nil)
	prog := e.createSubsidyProgramme(t, subsidyProgrammeBody("finance_desk", 100_000_000))
	var ids []string
	for _, amount := range []int64{150_000, 50_001} {
		id := e.awardedPayout(t, prog, "office", amount)
		mustStatus(t, e.call("PUT", "/v1/subsidy/payouts/"+id+"/bank-account", "office", map[string]any{"account_name": "张伟",
			"account_number": "6222020200112341234", "bank_code": "102653000012"}), http.StatusOK, "record the account")
		if _, err := e.db.Exec(`UPDATE subsidy_payouts SET prepared_by_id = $2 WHERE id = $1`, id, e.acct["finance"].ID); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	statusOf := func(id string) (st string) {
		if err := e.db.QueryRow(`SELECT status FROM subsidy_payouts WHERE id = $1`, id).Scan(&st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	wantStatus := func(want, when string) {
		t.Helper()
		for _, id := range ids {
			if st := statusOf(id); st != want {
				t.Fatalf("payout %s is %s %s, want %s", id, st, when, want)
			}
		}
	}

	b := newBrowser(t, e)
	b.login("finance")
	if loc := b.location(); loc != "/finance" {
		t.Fatalf("finance lands on %s", loc)
	}
	if n := b.nodeCount(fmt.Sprintf(`#programmes [data-programme="%s"] svg.budget-bar`, prog)); n != 1 {
		t.Fatalf("the programme's budget bar is missing: %s", b.text("main"))
	}
	if got := b.text(fmt.Sprintf(`#programmes [data-programme="%s"] [data-committed]`, prog)); got != "2,000.01" {
		t.Errorf("committed %q, want 2,000.01", got)
	}
	b.shot("programmes")

	b.open("/finance/payouts?programme_id=" + prog)
	for _, id := range ids {
		disabled := value(b, "read the approve button", chromedp.Evaluate[bool](
			`document.querySelector('[data-approve="`+id+`"]').disabled`))
		if !disabled {
			t.Errorf("the preparer's approve button of payout %s is enabled", id)
		}
		if reason := b.text("#mine-" + id); !strings.Contains(reason, "另一位工作人员审批") {
			t.Errorf("the disabled button's reason: %q", reason)
		}
	}
	b.shot("preparer-sees-four-eyes")

	b.open("/finance/payouts?payout=" + ids[0])
	b.run("force the disabled button", chromedp.Evaluate[chromedp.Void](
		`document.querySelector('#payout [data-step="approve"]').disabled = false`))
	if st := b.submit("approve as the preparer", chromedp.Click(chromedp.CSS(`#payout [data-step="approve"]`))); st != http.StatusForbidden {
		t.Errorf("the preparer's approval answered %d, want 403", st)
	}
	if msg := b.text("#problem"); !strings.Contains(msg, "双人复核") || statusOf(ids[0]) != "pending" {
		t.Fatalf("the preparer's approval: %q, payout %s", msg, statusOf(ids[0]))
	}
	b.shot("preparer-refused")

	b.submit("sign out", chromedp.Click(chromedp.CSS(`.who form button`)))
	b.login("finance-2")
	b.open("/finance/payouts?programme_id=" + prog + "&status=pending")
	for _, id := range ids {
		b.run("tick payout "+id, chromedp.Click(chromedp.CSS(`#payouts input[name="id"][value="`+id+`"]`)))
	}
	b.submit("approve the ticked payouts", chromedp.Click(chromedp.ID("approve-selected")))
	if done := b.text("#done"); !strings.Contains(done, "已审批 2 笔") {
		t.Errorf("approval: %q", done)
	}
	wantStatus("approved", "after the second person's approval")
	b.shot("second-person-approved")

	b.open("/finance/runs")
	for _, id := range ids {
		b.run("pick payout "+id, chromedp.Click(chromedp.CSS(`#approved input[name="id"][value="`+id+`"]`)))
	}
	b.run("enter the totals", chromedp.SendKeys(chromedp.ID("control_count"), "2"),
		chromedp.SendKeys(chromedp.ID("control_sum"), "2000.00"))
	if st := b.submit("create a run with a wrong sum", chromedp.Click(chromedp.ID("create-run"))); st != http.StatusUnprocessableEntity {
		t.Errorf("a wrong control sum answered %d", st)
	}
	if msg := b.text("#problem"); !strings.Contains(msg, "不一致") || e.count(`SELECT count(*) FROM subsidy_payout_runs`) != 0 {
		t.Fatalf("a wrong control sum: %q", msg)
	}
	b.shot("control-totals-refused")
	b.run("correct the sum", chromedp.SetValue(chromedp.ID("control_sum"), "2,000.01"))
	b.submit("create the run", chromedp.Click(chromedp.ID("create-run")))
	loc := b.location()
	runID := strings.TrimPrefix(loc, "/finance/runs/")
	if _, err := strconv.Atoi(runID); err != nil {
		t.Fatalf("after creating a run the page is %s: %s", loc, b.text("main"))
	}
	if got := b.text("#control-sum"); got != "¥2,000.01" {
		t.Errorf("control sum shown %q", got)
	}
	b.shot("run")

	xml := value(b, "fetch the pain.001", chromedp.Evaluate[string](
		`fetch(document.getElementById("pain001").href, {credentials: "same-origin"}).then(r => r.text())`,
		chromedp.EvalAwaitPromise))
	if !strings.HasPrefix(xml, "<?xml") || !strings.Contains(xml, "<CtrlSum>2000.01</CtrlSum>") ||
		!strings.Contains(xml, "<NbOfTxs>2</NbOfTxs>") {
		t.Fatalf("pain.001:\n%s", xml)
	}

	var msgID string
	if err := e.db.QueryRow(`SELECT message_id FROM subsidy_payout_runs WHERE id = $1`, runID).Scan(&msgID); err != nil {
		t.Fatal(err)
	}
	rows, err := e.db.Query(`SELECT end_to_end_id FROM subsidy_payout_run_lines WHERE run_id = $1 ORDER BY id`, runID)
	if err != nil {
		t.Fatal(err)
	}
	var report strings.Builder
	fmt.Fprintf(&report, `<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.09">
<CstmrPmtStsRpt><GrpHdr><MsgId>BANK-FIN-1</MsgId><CreDtTm>2026-11-27T10:00:00+08:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>%s</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId><OrgnlNbOfTxs>2</OrgnlNbOfTxs>
<OrgnlCtrlSum>2000.01</OrgnlCtrlSum><GrpSts>ACCC</GrpSts></OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>%[1]s</OrgnlPmtInfId>`, msgID)
	for rows.Next() {
		var e2e string
		if err := rows.Scan(&e2e); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&report, `<TxInfAndSts><OrgnlEndToEndId>%s</OrgnlEndToEndId><TxSts>ACCC</TxSts></TxInfAndSts>`, e2e)
	}
	_ = rows.Close()
	report.WriteString(`</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>`)
	if _, err := iso20022.ReadPain002(strings.NewReader(report.String()), iso20022.DefaultReportLimit); err != nil {
		t.Fatalf("the test's pain.002 does not read: %v", err)
	}
	file := filepath.Join(t.TempDir(), "pain.002.xml")
	if err := os.WriteFile(file, []byte(report.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	b.run("choose the report", chromedp.SetUploadFiles(chromedp.ID("report"), []string{file}))
	if st := b.submit("upload the pain.002", chromedp.Click(chromedp.ID("upload"))); st != http.StatusOK {
		t.Errorf("the upload answered %d: %s", st, b.text("main"))
	}
	if got := b.text("#result-paid"); got != "2" {
		t.Errorf("paid %q, want 2: %s", got, b.text("main"))
	}
	if n := b.nodeCount(`#lines tr[data-status="paid"]`); n != 2 {
		t.Errorf("%d lines shown paid, want 2", n)
	}
	wantStatus("paid", "after the bank's report")
	b.shot("run-settled")

	b.open("/finance/reports?group_by=programme&group_by=status")
	if got := b.text("#report-sum"); got != "2,000.01" {
		t.Errorf("report total %q, want 2,000.01", got)
	}
	if href := value(b, "read the export link", chromedp.Evaluate[string](`document.getElementById("export-xlsx").getAttribute("href")`)); !strings.Contains(href, "format=xlsx") {
		t.Errorf("XLSX export link %q", href)
	}
	b.shot("reports")
	b.open("/finance/applications")
	b.shot("applications")

	b.submit("sign out", chromedp.Click(chromedp.CSS(`.who form button`)))
	b.login("hr-x")
	if st := b.submit("HR opens the finance desk", chromedp.Navigate(b.base+"/finance")); st != http.StatusForbidden {
		t.Errorf("HR opening /finance: %d, want 403", st)
	}
	b.shot("hr-forbidden")
}

// A finance form posted twice (a double click, a reload) is replayed under the key it was rendered
// with, not taken twice; the same key with other content, a missing reference, an unknown step and
// another role's post are refused and change nothing.
func TestPages_FinanceFormsReplay(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	prog := e.createSubsidyProgramme(t, subsidyProgrammeBody("finance_replay", 100_000_000))
	id := fmt.Sprint(e.approvedSubsidyPayouts(t, prog, 120_000)[0])
	session := func(user string) string {
		sess, err := e.svc.accounts.Login(context.Background(), user, testPassword, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		return httpapi.SessionCookie + "=" + sess.Token
	}
	finance, hr := session("finance"), session("hr-x")
	post := func(cookie, path string, form url.Values) response {
		return e.call("POST", path, "", form.Encode(), "Cookie", cookie, "Content-Type", "application/x-www-form-urlencoded",
			"Accept-Language", "zh-CN")
	}
	path := "/finance/payouts/" + id + "/mark-paid"
	paid := url.Values{"key": {"web-k1"}, "bank_reference": {"CQ2026-1"}}
	mustStatus(t, post(finance, path, url.Values{"key": {"web-k0"}, "bank_reference": {" "}}), http.StatusUnprocessableEntity,
		"no bank reference")
	mustStatus(t, post(hr, path, paid), http.StatusForbidden, "HR marks paid")
	mustStatus(t, post(finance, "/finance/payouts/"+id+"/pay-twice", paid), http.StatusNotFound, "an unknown step")
	mustStatus(t, post(finance, "/finance/payouts/x/mark-paid", paid), http.StatusNotFound, "a malformed id")
	for path, want := range map[string]int{"/finance/reports?group_by=bogus": http.StatusUnprocessableEntity,
		"/finance/applications?id=x": http.StatusNotFound, "/finance/runs/abc": http.StatusNotFound,
		"/finance/payouts?payout=999999": http.StatusNotFound, "/finance/runs?cursor=" + strings.Repeat("z", 80): http.StatusOK} {
		mustStatus(t, e.call("GET", path, "", nil, "Cookie", finance), want, "GET "+path)
	}
	if st := e.count(`SELECT count(*) FROM subsidy_payouts WHERE id = $1 AND status = 'approved'`, id); st != 1 {
		t.Fatal("a refused form changed the payout")
	}
	first := post(finance, path, paid)
	mustStatus(t, first, http.StatusOK, "mark paid")
	again := post(finance, path, paid)
	mustStatus(t, again, http.StatusOK, "the same form again")
	if !strings.Contains(string(again.Body), "已登记为已支付") {
		t.Errorf("the replay does not say the payout was marked paid:\n%s", again.Body)
	}
	r := post(finance, path, url.Values{"key": {"web-k1"}, "bank_reference": {"CQ2026-2"}})
	mustStatus(t, r, http.StatusUnprocessableEntity, "the same key with another reference")
	if n := e.count(`SELECT count(*) FROM subsidy_payouts WHERE id = $1 AND status = 'paid' AND attempts = 1
		AND bank_reference = 'CQ2026-1'`, id); n != 1 {
		t.Error("the payout is not paid once with the first reference")
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'subsidy_payout.mark_paid'`); n != 1 {
		t.Errorf("%d mark-paid audit entries, want 1", n)
	}
}
