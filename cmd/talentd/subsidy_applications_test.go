package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// subsidyApplicationCase is an enterprise-subsidy programme and two suppliers: one registered as a
// local supplier enterprise, one not.
type subsidyApplicationCase struct {
	programme       string
	local, nonLocal string
}

func newSubsidyApplicationCase(t *testing.T, e *testEnv, budget int64) subsidyApplicationCase {
	t.Helper()
	body := subsidyProgrammeBody("rd_supply", budget)
	body["kind"] = "enterprise_subsidy"
	body["rules"] = map[string]any{"rd_investment": map[string]any{"rate_bp": 500}, "local_supply": map[string]any{"rate_bp": 300}}
	c := subsidyApplicationCase{programme: e.createSubsidyProgramme(t, body)}
	for i, local := range []bool{true, false} {
		ent := validEnterpriseBody(i)
		ent["local_supplier"] = local
		mustStatus(t, e.call("POST", "/v1/enterprises", "office", ent), http.StatusCreated, "supplier")
		if local {
			c.local = ent["uscc"].(string)
		} else {
			c.nonLocal = ent["uscc"].(string)
		}
	}
	return c
}

// body declares 10 000 yuan of R&D (500 yuan due) and 20 000 yuan bought from each supplier (600
// yuan due for the local one).
func (c subsidyApplicationCase) body() map[string]any {
	return map[string]any{"programme_id": json.Number(c.programme), "rd_spending_fen": 1_000_000,
		"purchases": []any{map[string]any{"supplier_uscc": c.local, "amount_fen": 2_000_000},
			map[string]any{"supplier_uscc": c.nonLocal, "amount_fen": 2_000_000}},
		"attachments": []any{map[string]any{"file_name": "审计报告.pdf", "sha256": strings.Repeat("0f", 32)}}}
}

type subsidyApplicationAnswer struct {
	ID        int64  `json:"id"`
	Status    string `json:"status"`
	AmountFen int64  `json:"amount_fen"`
	PayoutID  *int64 `json:"payout_id"`
	Working   []struct {
		Code      string `json:"code"`
		AmountFen int64  `json:"amount_fen"`
		Note      string `json:"note"`
	} `json:"working"`
	Attachments []struct {
		SHA256 string `json:"sha256"`
	} `json:"attachments"`
}

func decodeApplication(t *testing.T, r response) subsidyApplicationAnswer {
	t.Helper()
	var a subsidyApplicationAnswer
	if err := json.Unmarshal(r.Body, &a); err != nil {
		t.Fatalf("%v: %s", err, r.Body)
	}
	return a
}

func TestSubsidyApplications_API(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := newSubsidyApplicationCase(t, e, 150_000)

	r := e.call("POST", "/v1/subsidy/applications", "hr-x", c.body())
	mustStatus(t, r, http.StatusCreated, "HR applies")
	a := decodeApplication(t, r)
	if a.Status != "submitted" || a.AmountFen != 50_000+60_000 || len(a.Working) != 3 || a.Working[1].Code != "local_supply_excluded" ||
		!strings.Contains(a.Working[1].Note, c.nonLocal) || len(a.Attachments) != 1 {
		t.Fatalf("application: %s", r.Body)
	}
	id := fmt.Sprint(a.ID)

	mustStatus(t, e.call("GET", "/v1/subsidy/applications/"+id, "hr-y", nil), http.StatusNotFound, "HR of Y reads X's")
	if n := listLen(t, e.call("GET", "/v1/subsidy/applications", "hr-y", nil)); n != 0 {
		t.Errorf("HR of Y lists %d applications of X", n)
	}
	if n := listLen(t, e.call("GET", "/v1/subsidy/applications", "finance", nil)); n != 1 {
		t.Errorf("finance lists %d applications", n)
	}
	mustStatus(t, e.call("POST", "/v1/subsidy/applications", "window", c.body()), http.StatusForbidden, "window applies")
	mustStatus(t, e.call("POST", "/v1/subsidy/applications/"+id+"/approve", "hr-x", map[string]any{}), http.StatusForbidden, "HR approves")
	mustStatus(t, e.call("POST", "/v1/subsidy/applications/"+id+"/approve", "finance", map[string]any{}), http.StatusForbidden, "finance approves")

	// An adjustment states its reason, in the clerk's language.
	r = e.call("POST", "/v1/subsidy/applications/"+id+"/approve", "office", map[string]any{"adjusted_amount_fen": 90_000},
		"Accept-Language", "zh-CN")
	mustStatus(t, r, http.StatusUnprocessableEntity, "adjusted without a reason")
	if !strings.Contains(string(r.Body), "调整理由") {
		t.Errorf("no Chinese reason: %s", r.Body)
	}

	r = e.call("POST", "/v1/subsidy/applications/"+id+"/approve", "office", map[string]any{}, "If-Match", `"9"`)
	mustStatus(t, r, http.StatusPreconditionFailed, "stale approval")
	r = e.call("POST", "/v1/subsidy/applications/"+id+"/approve", "office", map[string]any{}, "If-Match", `"1"`)
	mustStatus(t, r, http.StatusOK, "approve")
	if a = decodeApplication(t, r); a.Status != "approved" || a.PayoutID == nil || r.Header.Get("ETag") != `"2"` {
		t.Fatalf("approved: %s", r.Body)
	}
	mustStatus(t, e.call("POST", "/v1/subsidy/applications/"+id+"/approve", "office", map[string]any{}), http.StatusConflict, "approved twice")
	if n := e.count(`SELECT count(*) FROM subsidy_payouts WHERE application_id = $1 AND status = 'pending'
		AND prepared_by_id = $2`, a.ID, e.acct["office"].ID); n != 1 {
		t.Errorf("%d payouts prepared by the approver", n)
	}

	// The next application does not fit in what the budget has left.
	r = e.call("POST", "/v1/subsidy/applications", "hr-x", c.body())
	mustStatus(t, r, http.StatusCreated, "second application")
	second := fmt.Sprint(decodeApplication(t, r).ID)
	r = e.call("POST", "/v1/subsidy/applications/"+second+"/approve", "office", map[string]any{})
	mustStatus(t, r, http.StatusConflict, "over the budget")
	if !strings.Contains(string(r.Body), "budget_exceeded") {
		t.Errorf("not budget_exceeded: %s", r.Body)
	}

	// Returned, corrected by HR, resubmitted.
	mustStatus(t, e.call("POST", "/v1/subsidy/applications/"+second+"/return", "office", map[string]any{"reason": "请补充发票"}),
		http.StatusOK, "return")
	fixed := c.body()
	fixed["purchases"] = []any{}
	r = e.call("PUT", "/v1/subsidy/applications/"+second, "hr-x", fixed)
	mustStatus(t, r, http.StatusOK, "correct")
	if a = decodeApplication(t, r); a.Status != "submitted" || a.AmountFen != 50_000 {
		t.Errorf("corrected: %s", r.Body)
	}
	mustStatus(t, e.call("POST", "/v1/subsidy/applications/"+second+"/reject", "office", map[string]any{"reason": "预算已用完"}),
		http.StatusOK, "reject")
}
