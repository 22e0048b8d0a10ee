package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"talentd/talent"
)

// awardedPayout awards a registered talent of enterprise X, nominated by its HR, under the programme
// as user and returns the id of the payout of its one instalment.
func (e *testEnv) awardedPayout(t *testing.T, programme, user string, amount int64) string {
	t.Helper()
	return e.awardedPayoutOf(t, programme, user, "hr-x", amount)
}

// awardedPayoutOf is awardedPayout for a talent of the enterprise of the HR user hr.
func (e *testEnv) awardedPayoutOf(t *testing.T, programme, user, hr string, amount int64) string {
	t.Helper()
	tl := e.registeredBy(t, hr, newTalentBody(talent.GradeB))
	mustStatus(t, e.call("POST", "/v1/subsidy/programmes/"+programme+"/nominations", hr,
		map[string]any{"talent_id": tl.ID, "reason": "技术骨干"}), http.StatusCreated, "nominate")
	r := e.call("POST", "/v1/subsidy/programmes/"+programme+"/awards", user, map[string]any{"talent_id": tl.ID,
		"amount_fen": amount, "instalments": []any{map[string]any{"due_on": "2026-06-30", "amount_fen": amount}}})
	mustStatus(t, r, http.StatusCreated, "award")
	inst := r.json(t)["instalments"].([]any)[0].(map[string]any)
	return fmt.Sprint(int64(inst["payout_id"].(float64)))
}

// programmeTotals are a programme's committed and paid figures as the API reads them, checked
// against the sums of its payouts.
func (e *testEnv) programmeTotals(t *testing.T, programme string) (committed, paid float64) {
	t.Helper()
	got := e.call("GET", "/v1/subsidy/programmes/"+programme, "finance", nil).json(t)
	committed, paid = got["committed_fen"].(float64), got["paid_fen"].(float64)
	sumCommitted := e.count(`SELECT coalesce(sum(amount_fen), 0) FROM subsidy_payouts WHERE programme_id = $1 AND status <> 'cancelled'`, programme)
	sumPaid := e.count(`SELECT coalesce(sum(amount_fen), 0) FROM subsidy_payouts WHERE programme_id = $1 AND status = 'paid'`, programme)
	if int(committed) != sumCommitted || int(paid) != sumPaid {
		t.Errorf("programme totals %v/%v, payouts add up to %d/%d", committed, paid, sumCommitted, sumPaid)
	}
	return committed, paid
}

func TestSubsidyPayouts_API(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	prog := e.createSubsidyProgramme(t, subsidyProgrammeBody("payout_ledger", 10_000_000))
	id := e.awardedPayout(t, prog, "office", 2_000_000)
	path := "/v1/subsidy/payouts/" + id
	key := func(k string) []string { return []string{"Idempotency-Key", k} }

	// HR of X sees the payout to its talent; HR of Y does not learn it exists.
	mustStatus(t, e.call("GET", path, "hr-x", nil), http.StatusOK, "HR of X reads")
	mustStatus(t, e.call("GET", path, "hr-y", nil), http.StatusNotFound, "HR of Y reads")
	if n := listLen(t, e.call("GET", "/v1/subsidy/payouts?programme_id="+prog, "hr-y", nil)); n != 0 {
		t.Errorf("HR of Y lists %d payouts of X", n)
	}
	if n := listLen(t, e.call("GET", "/v1/subsidy/payouts?status=pending&programme_id="+prog, "finance", nil)); n != 1 {
		t.Errorf("finance lists %d pending payouts", n)
	}
	mustStatus(t, e.call("GET", "/v1/subsidy/payouts", "window", nil), http.StatusForbidden, "window lists")

	// Approval needs a bank account; only the office records it, and it reads back masked.
	r := e.call("POST", path+"/approve", "finance", nil, key("a-1")...)
	mustStatus(t, r, http.StatusConflict, "approve without account")
	account := map[string]any{"account_name": "张伟", "account_number": "6222020200112341234", "bank_code": "102653000012"}
	mustStatus(t, e.call("PUT", path+"/bank-account", "finance", account), http.StatusForbidden, "finance records account")
	mustStatus(t, e.call("PUT", path+"/bank-account", "hr-x", account), http.StatusForbidden, "HR records account")
	r = e.call("PUT", path+"/bank-account", "office", account, "If-Match", `"1"`)
	mustStatus(t, r, http.StatusOK, "record account")
	for _, reader := range []string{"office", "finance", "hr-x"} {
		r = e.call("GET", path, reader, nil)
		if strings.Contains(string(r.Body), "6222020200112341234") || r.json(t)["bank_account_masked"] != "6222***********1234" {
			t.Errorf("%s reads the account unmasked: %s", reader, r.Body)
		}
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE after::text LIKE '%6222020200112341234%'`); n != 0 {
		t.Errorf("the account number is audited whole %d times", n)
	}

	// Money-moving steps are finance's, each under an Idempotency-Key.
	mustStatus(t, e.call("POST", path+"/approve", "finance", nil), http.StatusUnprocessableEntity, "approve without a key")
	for _, user := range []string{"office", "hr-x", "housing"} {
		mustStatus(t, e.call("POST", path+"/approve", user, nil, key("u-"+user)...), http.StatusForbidden, user+" approves")
	}
	mustStatus(t, e.call("POST", path+"/approve", "finance", nil, key("a-1")...), http.StatusOK, "approve")
	paid := map[string]any{"bank_reference": "CQ20260630000123"}
	mustStatus(t, e.call("POST", path+"/mark-paid", "office", paid, key("p-1")...), http.StatusForbidden, "office marks paid")
	first := e.call("POST", path+"/mark-paid", "finance", paid, key("p-1")...)
	mustStatus(t, first, http.StatusOK, "mark paid")
	again := e.call("POST", path+"/mark-paid", "finance", paid, key("p-1")...)
	mustStatus(t, again, http.StatusOK, "replay")
	if string(again.Body) != string(first.Body) {
		t.Errorf("the replay answered otherwise:\n%s\n%s", first.Body, again.Body)
	}
	r = e.call("POST", path+"/mark-paid", "finance", map[string]any{"bank_reference": "OTHER"}, key("p-1")...)
	mustStatus(t, r, http.StatusUnprocessableEntity, "same key, other body")
	if r.json(t)["code"] != "idempotency_key_reused" {
		t.Errorf("reuse: %s", r.Body)
	}
	if _, p := e.programmeTotals(t, prog); p != 2_000_000 {
		t.Errorf("paid %v after one payment and its replay", p)
	}
	mustStatus(t, e.call("POST", path+"/cancel", "office", map[string]any{"reason": "撤销"}, key("c-1")...),
		http.StatusConflict, "cancel a paid payout")

	// The office cancels a pending payout, releasing its amount.
	second := e.awardedPayout(t, prog, "office", 1_000_000)
	mustStatus(t, e.call("POST", "/v1/subsidy/payouts/"+second+"/cancel", "finance", map[string]any{"reason": "撤销"}, key("c-2")...),
		http.StatusForbidden, "finance cancels")
	mustStatus(t, e.call("POST", "/v1/subsidy/payouts/"+second+"/cancel", "office", map[string]any{"reason": "重复评定"}, key("c-2")...),
		http.StatusOK, "office cancels")
	if c, _ := e.programmeTotals(t, prog); c != 2_000_000 {
		t.Errorf("committed %v after the cancellation", c)
	}
}

func TestSubsidyPayouts_FourEyes(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	prog := e.createSubsidyProgramme(t, subsidyProgrammeBody("four_eyes", 1_000_000))
	id := e.awardedPayout(t, prog, "admin", 100_000)
	path := "/v1/subsidy/payouts/" + id
	mustStatus(t, e.call("PUT", path+"/bank-account", "admin", map[string]any{"account_name": "张伟",
		"account_number": "6222020200112341234", "bank_code": "102653000012"}), http.StatusOK, "record account")
	r := e.call("POST", path+"/approve", "admin", nil, "Idempotency-Key", "k-1", "Accept-Language", "zh-CN")
	mustStatus(t, r, http.StatusForbidden, "the preparer approves")
	got := r.json(t)
	if got["code"] != "four_eyes" || !strings.Contains(fmt.Sprint(got["detail"]), "另一位工作人员审批") {
		t.Errorf("four-eyes refusal: %s", r.Body)
	}
	mustStatus(t, e.call("POST", path+"/approve", "finance", nil, "Idempotency-Key", "k-1"), http.StatusOK, "finance approves")
	mustStatus(t, e.call("POST", path+"/fail", "finance", map[string]any{"reason": "户名不符"}, "Idempotency-Key", "f-1"),
		http.StatusOK, "fail")
	mustStatus(t, e.call("POST", path+"/retry", "finance", nil, "Idempotency-Key", "r-1"), http.StatusOK, "retry")
	if st := e.call("GET", path, "finance", nil).json(t)["status"]; st != "approved" {
		t.Errorf("after retry: %v", st)
	}
	e.programmeTotals(t, prog)
}
