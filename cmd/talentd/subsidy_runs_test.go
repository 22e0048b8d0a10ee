package main

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"talentd/internal/fieldcrypt"
	"talentd/talent"
)

// approvedSubsidyPayouts nominates and awards one new talent per amount under programme id and sets
// each payout approved with a sealed bank account, as the ledger does; it returns the payout ids.
func (e *testEnv) approvedSubsidyPayouts(t *testing.T, programmeID string, amounts ...int64) []int64 {
	t.Helper()
	sec := testSecrets()
	ring, err := fieldcrypt.NewRing(sec.EncryptionKey, sec.OldEncryptionKeys, sec.IndexKey)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, amount := range amounts {
		tl := e.registered(t, newTalentBody(talent.GradeB))
		e.nominateForSubsidy(t, programmeID, tl.ID)
		r := e.call("POST", "/v1/subsidy/programmes/"+programmeID+"/awards", "office", map[string]any{"talent_id": tl.ID,
			"amount_fen": amount, "instalments": []any{map[string]any{"due_on": "2026-06-30", "amount_fen": amount}}})
		mustStatus(t, r, http.StatusCreated, "award")
		id := int64(r.json(t)["instalments"].([]any)[0].(map[string]any)["payout_id"].(float64))
		number := fmt.Sprintf("6222%015d", id)
		if _, err := e.db.Exec(`UPDATE subsidy_payouts SET status = 'approved', bank_account_cipher = $2,
			bank_account_masked = '6222********' || right($3, 4), bank_name = '102653000017', account_holder = '李四'
			WHERE id = $1`, id, ring.Seal(number, "subsidy.bank_account"), number); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func TestSubsidyPayoutRuns_API(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	prog := e.createSubsidyProgramme(t, subsidyProgrammeBody("run_api", 100_000_000))
	ids := e.approvedSubsidyPayouts(t, prog, 150_000, 50_001)
	body := map[string]any{"payout_ids": ids, "control_count": 2, "control_sum_fen": 200_001}

	mustStatus(t, e.call("POST", "/v1/subsidy/payout-runs", "finance", body), http.StatusUnprocessableEntity, "no Idempotency-Key")
	mustStatus(t, e.call("POST", "/v1/subsidy/payout-runs", "hr-x", body, "Idempotency-Key", "k0"), http.StatusForbidden, "HR")
	mustStatus(t, e.call("POST", "/v1/subsidy/payout-runs", "office", body, "Idempotency-Key", "k0"), http.StatusForbidden, "office")
	wrong := map[string]any{"payout_ids": ids, "control_count": 2, "control_sum_fen": 200_000}
	r := e.call("POST", "/v1/subsidy/payout-runs", "finance", wrong, "Idempotency-Key", "k1", "Accept-Language", "zh-CN")
	mustStatus(t, r, http.StatusUnprocessableEntity, "control sum disagrees")
	if got := r.json(t); got["code"] != "run_control_totals" || !strings.Contains(string(r.Body), "2,000.01") {
		t.Errorf("control totals refusal: %s", r.Body)
	}

	r = e.call("POST", "/v1/subsidy/payout-runs", "finance", body, "Idempotency-Key", "k2")
	mustStatus(t, r, http.StatusCreated, "create run")
	run := r.json(t)
	id := fmt.Sprint(run["id"])
	replay := e.call("POST", "/v1/subsidy/payout-runs", "finance", body, "Idempotency-Key", "k2")
	if replay.Status != http.StatusCreated || fmt.Sprint(replay.json(t)["id"]) != id {
		t.Fatalf("replay: %d %s", replay.Status, replay.Body)
	}
	mustStatus(t, e.call("POST", "/v1/subsidy/payout-runs", "finance", map[string]any{"payout_ids": ids[:1],
		"control_count": 1, "control_sum_fen": 150_000}, "Idempotency-Key", "k2"), http.StatusUnprocessableEntity, "key reused")
	if n := e.count(`SELECT count(*) FROM subsidy_payout_runs`); n != 1 {
		t.Fatalf("%d runs, want 1", n)
	}
	mustStatus(t, e.call("GET", "/v1/subsidy/payout-runs/"+id, "hr-x", nil), http.StatusForbidden, "HR reads a run")
	if n := listLen(t, e.call("GET", "/v1/subsidy/payout-runs", "admin", nil)); n != 1 {
		t.Errorf("admin lists %d runs", n)
	}

	r = e.call("GET", "/v1/subsidy/payout-runs/"+id+"/pain.001.xml", "finance", nil)
	mustStatus(t, r, http.StatusOK, "pain.001")
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/xml") ||
		!strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") ||
		!bytes.Contains(r.Body, []byte("<CtrlSum>2000.01</CtrlSum>")) {
		t.Errorf("pain.001: %v\n%s", r.Header, r.Body)
	}
	r = e.call("GET", "/v1/subsidy/payout-runs/"+id+"/export.csv", "finance", nil)
	mustStatus(t, r, http.StatusOK, "CSV")
	if !bytes.HasPrefix(r.Body, []byte("\xEF\xBB\xBF批次报文号,付款编号")) || !bytes.Contains(r.Body, []byte("1500.00")) ||
		bytes.Contains(r.Body, []byte(fmt.Sprintf("6222%015d", ids[0]))) {
		t.Errorf("CSV:\n%s", r.Body)
	}

	var lines []struct {
		PayoutID int64  `json:"payout_id"`
		E2E      string `json:"end_to_end_id"`
	}
	for _, l := range run["lines"].([]any) {
		m := l.(map[string]any)
		lines = append(lines, struct {
			PayoutID int64  `json:"payout_id"`
			E2E      string `json:"end_to_end_id"`
		}{int64(m["payout_id"].(float64)), m["end_to_end_id"].(string)})
	}
	report := func(lineIDs ...string) string {
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.09">
<CstmrPmtStsRpt><GrpHdr><MsgId>BANK-77</MsgId><CreDtTm>2026-11-27T10:00:00+08:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>%s</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId><OrgnlNbOfTxs>2</OrgnlNbOfTxs>
<OrgnlCtrlSum>2000.01</OrgnlCtrlSum><GrpSts>PART</GrpSts></OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>%[1]s</OrgnlPmtInfId>`, run["message_id"])
		for i, l := range lineIDs {
			st := map[bool]string{true: "ACCC", false: "RJCT"}[i == 0]
			fmt.Fprintf(&b, `<TxInfAndSts><OrgnlEndToEndId>%s</OrgnlEndToEndId><TxSts>%s</TxSts><StsRsnInf><Rsn><Cd>AC04</Cd></Rsn></StsRsnInf></TxInfAndSts>`, l, st)
		}
		b.WriteString(`</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>`)
		return b.String()
	}
	xmlHeader := []string{"Content-Type", "application/xml"}
	before := e.count(`SELECT count(*) FROM subsidy_payouts WHERE status = 'approved'`)
	r = e.call("POST", "/v1/subsidy/payout-runs/"+id+"/pain.002", "finance", report(lines[0].E2E, "R0-P0"), xmlHeader...)
	mustStatus(t, r, http.StatusUnprocessableEntity, "report with an unknown line")
	if after := e.count(`SELECT count(*) FROM subsidy_payouts WHERE status = 'approved'`); after != before || before != 2 {
		t.Fatalf("a refused report settled payouts: approved %d → %d", before, after)
	}
	mustStatus(t, e.call("POST", "/v1/subsidy/payout-runs/"+id+"/pain.002", "hr-x", report(lines[0].E2E), xmlHeader...),
		http.StatusForbidden, "HR imports")
	r = e.call("POST", "/v1/subsidy/payout-runs/"+id+"/pain.002", "finance", report(lines[0].E2E, lines[1].E2E), xmlHeader...)
	mustStatus(t, r, http.StatusOK, "good report")
	if got := r.json(t); got["paid"] != 1.0 || got["rejected"] != 1.0 || got["run"].(map[string]any)["status"] != "settled" {
		t.Errorf("import: %s", r.Body)
	}
	if n := e.count(`SELECT count(*) FROM subsidy_payouts WHERE id = $1 AND status = 'paid' AND bank_reference = $2`,
		lines[0].PayoutID, "BANK-77/"+lines[0].E2E); n != 1 {
		t.Errorf("the paid line's payout is not paid with the bank's reference")
	}
	if n := e.count(`SELECT count(*) FROM subsidy_programmes WHERE id = $1
		AND paid_fen = (SELECT amount_fen FROM subsidy_payouts WHERE id = $2)`, prog, lines[0].PayoutID); n != 1 {
		t.Errorf("the programme's paid_fen is not the paid line's amount")
	}
}
