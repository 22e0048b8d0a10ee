package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"talentd/talent"
)

// subsidyProgrammeBody is a valid programme of the current demo year.
func subsidyProgrammeBody(code string, budget int64) map[string]any {
	return map[string]any{"kind": "award", "code": code, "name": "璧山英才", "year": 2026, "budget_fen": budget}
}

// nominateForSubsidy has HR of enterprise X nominate its registered talent for the programme.
func (e *testEnv) nominateForSubsidy(t *testing.T, programme string, talentID int64) {
	t.Helper()
	mustStatus(t, e.call("POST", "/v1/subsidy/programmes/"+programme+"/nominations", "hr-x",
		map[string]any{"talent_id": talentID, "reason": "技术骨干"}), http.StatusCreated, "nominate")
}

// createSubsidyProgramme creates a programme as the office and returns its id.
func (e *testEnv) createSubsidyProgramme(t *testing.T, body map[string]any) string {
	t.Helper()
	r := e.call("POST", "/v1/subsidy/programmes", "office", body)
	mustStatus(t, r, http.StatusCreated, "create programme")
	return fmt.Sprint(int64(r.json(t)["id"].(float64)))
}

func TestSubsidyProgrammes_API(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	id := e.createSubsidyProgramme(t, subsidyProgrammeBody("bishan_talent", 10_000_000))
	mustStatus(t, e.call("POST", "/v1/subsidy/programmes", "hr-x", subsidyProgrammeBody("hr_made", 1)), http.StatusForbidden, "HR creates")
	mustStatus(t, e.call("POST", "/v1/subsidy/programmes", "finance", subsidyProgrammeBody("fin_made", 1)), http.StatusForbidden, "finance creates")
	mustStatus(t, e.call("POST", "/v1/subsidy/programmes", "office", subsidyProgrammeBody("bishan_talent", 1)), http.StatusConflict, "same code")
	bad := subsidyProgrammeBody("zero_budget", 0)
	mustStatus(t, e.call("POST", "/v1/subsidy/programmes", "office", bad), http.StatusUnprocessableEntity, "zero budget")
	bad = subsidyProgrammeBody("list_rules", 1)
	bad["rules"] = []any{1}
	mustStatus(t, e.call("POST", "/v1/subsidy/programmes", "office", bad), http.StatusUnprocessableEntity, "rules not an object")

	r := e.call("GET", "/v1/subsidy/programmes/"+id, "finance", nil)
	mustStatus(t, r, http.StatusOK, "finance reads")
	got := r.json(t)
	if got["committed_fen"] != 0.0 || got["paid_fen"] != 0.0 || got["remaining_fen"] != 10_000_000.0 || r.Header.Get("ETag") != `"1"` {
		t.Errorf("programme: %v etag %s", got, r.Header.Get("ETag"))
	}

	// HR nominates its own registered talent; another enterprise's talent is not found to it.
	own := e.registered(t, newTalentBody(talent.GradeB))
	r = e.call("POST", "/v1/subsidy/programmes/"+id+"/nominations", "hr-x", map[string]any{"talent_id": own.ID, "reason": "技术骨干"})
	mustStatus(t, r, http.StatusCreated, "HR nominates own talent")
	mustStatus(t, e.call("POST", "/v1/subsidy/programmes/"+id+"/nominations", "hr-y",
		map[string]any{"talent_id": own.ID, "reason": "挖角"}), http.StatusNotFound, "HR of Y nominates X's talent")
	mustStatus(t, e.call("POST", "/v1/subsidy/programmes/"+id+"/nominations", "hr-x",
		map[string]any{"talent_id": own.ID, "reason": "再次"}), http.StatusConflict, "nominated twice")
	if n := listLen(t, e.call("GET", "/v1/subsidy/programmes/"+id+"/nominations", "hr-y", nil)); n != 0 {
		t.Errorf("HR of Y sees %d nominations of X", n)
	}

	// The office selects the winner from the nominees; instalments that do not add up are refused
	// with nothing written.
	award := map[string]any{"talent_id": own.ID, "amount_fen": 3_000_000, "instalments": []any{
		map[string]any{"due_on": "2026-06-30", "amount_fen": 1_000_000}, map[string]any{"due_on": "2027-06-30", "amount_fen": 1_000_000}}}
	before := e.count(`SELECT count(*) FROM subsidy_payouts`)
	unnominated := e.registered(t, newTalentBody(talent.GradeB))
	r = e.call("POST", "/v1/subsidy/programmes/"+id+"/awards", "office", map[string]any{"talent_id": unnominated.ID,
		"amount_fen": 2_000_000, "instalments": []any{map[string]any{"due_on": "2026-06-30", "amount_fen": 2_000_000}}})
	mustStatus(t, r, http.StatusConflict, "award without a nomination")
	if p := r.json(t); p["code"] != "not_nominated" || !strings.Contains(fmt.Sprint(p["detail"]), "nominat") {
		t.Errorf("award without a nomination: %s", r.Body)
	}
	mustStatus(t, e.call("POST", "/v1/subsidy/programmes/"+id+"/awards", "office", award), http.StatusUnprocessableEntity, "sum mismatch")
	mustStatus(t, e.call("POST", "/v1/subsidy/programmes/"+id+"/awards", "hr-x", award), http.StatusForbidden, "HR awards")
	if after := e.count(`SELECT count(*) FROM subsidy_payouts`); after != before {
		t.Fatalf("a refused award wrote %d payouts", after-before)
	}
	award["amount_fen"] = 2_000_000
	r = e.call("POST", "/v1/subsidy/programmes/"+id+"/awards", "office", award)
	mustStatus(t, r, http.StatusCreated, "award")
	var a struct {
		AmountFen   int64 `json:"amount_fen"`
		Instalments []struct {
			DueOn        string `json:"due_on"`
			PayoutStatus string `json:"payout_status"`
		} `json:"instalments"`
	}
	if err := json.Unmarshal(r.Body, &a); err != nil || len(a.Instalments) != 2 || a.Instalments[1].DueOn != "2027-06-30" ||
		a.Instalments[0].PayoutStatus != "pending" {
		t.Errorf("award: %s", r.Body)
	}
	if n := e.count(`SELECT count(*) FROM subsidy_nominations WHERE status = 'awarded'`); n != 1 {
		t.Errorf("%d nominations marked awarded", n)
	}
	if n := listLen(t, e.call("GET", "/v1/subsidy/programmes/"+id+"/awards", "hr-x", nil)); n != 1 {
		t.Errorf("HR of X sees %d awards of its talent", n)
	}
	if n := listLen(t, e.call("GET", "/v1/subsidy/programmes/"+id+"/awards", "hr-y", nil)); n != 0 {
		t.Errorf("HR of Y sees %d awards of X's talent", n)
	}
	got = e.call("GET", "/v1/subsidy/programmes/"+id, "office", nil).json(t)
	if got["committed_fen"] != 2_000_000.0 || got["remaining_fen"] != 8_000_000.0 {
		t.Errorf("after the award: %v", got)
	}

	// The budget cannot fall below what is committed; the refusal states the figures in Chinese.
	edit := subsidyProgrammeBody("bishan_talent", 1_999_999)
	r = e.call("PUT", "/v1/subsidy/programmes/"+id, "office", edit, "If-Match", `"1"`, "Accept-Language", "zh-CN")
	mustStatus(t, r, http.StatusConflict, "budget below committed")
	if detail := fmt.Sprint(r.json(t)["detail"]); !strings.Contains(detail, "20,000.00") {
		t.Errorf("refusal does not state the committed figure: %s", detail)
	}
	mustStatus(t, e.call("PUT", "/v1/subsidy/programmes/"+id, "office", subsidyProgrammeBody("bishan_talent", 5_000_000),
		"If-Match", `"7"`), http.StatusPreconditionFailed, "stale If-Match")
	mustStatus(t, e.call("PUT", "/v1/subsidy/programmes/"+id, "office", subsidyProgrammeBody("bishan_talent", 5_000_000),
		"If-Match", `"1"`), http.StatusOK, "edit")

	// A closed programme is gone from HR's view and takes no awards, not even of a nominee.
	other := e.registered(t, newTalentBody(talent.GradeC))
	e.nominateForSubsidy(t, id, other.ID)
	mustStatus(t, e.call("POST", "/v1/subsidy/programmes/"+id+"/close", "office", nil), http.StatusOK, "close")
	mustStatus(t, e.call("GET", "/v1/subsidy/programmes/"+id, "hr-x", nil), http.StatusNotFound, "HR reads closed")
	if n := listLen(t, e.call("GET", "/v1/subsidy/programmes?status=closed", "office", nil)); n != 1 {
		t.Errorf("office lists %d closed programmes", n)
	}
	if n := listLen(t, e.call("GET", "/v1/subsidy/programmes", "hr-x", nil)); n != 0 {
		t.Errorf("HR lists %d programmes, all closed", n)
	}
	award["talent_id"] = other.ID
	r = e.call("POST", "/v1/subsidy/programmes/"+id+"/awards", "office", award)
	mustStatus(t, r, http.StatusConflict, "award when closed")
	if code := r.json(t)["code"]; code != "programme_closed" {
		t.Errorf("award when closed: code %v", code)
	}
	mustStatus(t, e.call("POST", "/v1/subsidy/programmes/"+id+"/reopen", "office", nil), http.StatusOK, "reopen")
	mustStatus(t, e.call("GET", "/v1/subsidy/programmes/"+id, "hr-x", nil), http.StatusOK, "HR reads reopened")
	if n := e.count(`SELECT count(*) FROM audit_log WHERE entity_type = 'subsidy_programme'`); n != 4 {
		t.Errorf("%d programme changes audited, want 4", n)
	}
}

// listLen is the number of items of a listing, failing unless it answered 200.
func listLen(t *testing.T, r response) int {
	t.Helper()
	mustStatus(t, r, http.StatusOK, "list")
	items, _ := r.json(t)["items"].([]any)
	return len(items)
}
