package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"talentd/internal/auth"
	"talentd/talent"
)

// TestDemoRegistry_Stats seeds the demo district and checks its headline figures through the
// statistics endpoint, for the office and for one enterprise's HR.
func TestDemoRegistry_Stats(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	var out bytes.Buffer
	if err := seedDemo(context.Background(), e.svc, &out, discardLog()); err != nil {
		t.Fatal(err)
	}
	type stats struct {
		Registered  int            `json:"registered"`
		ByGrade     map[string]int `json:"by_grade"`
		Employed    int            `json:"employed"`
		NotEmployed int            `json:"not_employed"`
		ByStatus    map[string]int `json:"by_status"`
		ByEducation map[string]int `json:"by_education"`
		PerMonth    []struct {
			Month string
			Count int
		} `json:"registrations_per_month"`
		TopEnterprises []struct {
			EnterpriseID int64 `json:"enterprise_id"`
			Registered   int   `json:"registered"`
		} `json:"top_enterprises"`
	}
	r := e.call("GET", "/v1/stats/talent", "office", nil)
	mustStatus(t, r, http.StatusOK, "stats")
	var st stats
	if err := json.Unmarshal(r.Body, &st); err != nil {
		t.Fatal(err)
	}
	if st.Registered != talent.DemoRegistered || st.Employed != talent.DemoEmployed || st.NotEmployed != talent.DemoRegistered-talent.DemoEmployed {
		t.Errorf("registered %d, employed %d, not employed %d", st.Registered, st.Employed, st.NotEmployed)
	}
	sum := 0
	for _, g := range []string{"A", "B", "C", "D"} {
		if st.ByGrade[g] == 0 {
			t.Errorf("no demo talent of grade %s", g)
		}
		sum += st.ByGrade[g]
	}
	if sum != st.Registered {
		t.Errorf("grades sum to %d of %d", sum, st.Registered)
	}
	for _, s := range []string{"draft", "submitted", "returned", "rejected"} {
		if st.ByStatus[s] == 0 {
			t.Errorf("no demo record in status %s", s)
		}
	}
	months := 0
	for _, m := range st.PerMonth {
		months += m.Count
	}
	if months != st.Registered || len(st.PerMonth) < 12 || len(st.TopEnterprises) != 10 {
		t.Errorf("per month %d over %d months, top %d", months, len(st.PerMonth), len(st.TopEnterprises))
	}

	// HR of the first demo enterprise sees its own figures only.
	var first talent.Enterprise
	if err := e.db.Get(&first, `SELECT id, name FROM enterprises WHERE uscc = $1`, talent.DemoEnterpriseInputs()[0].USCC); err != nil {
		t.Fatal(err)
	}
	e.tokens["hr-001"] = ""
	var acct int64
	if err := e.db.Get(&acct, `SELECT id FROM accounts WHERE username = 'hr-001'`); err != nil {
		t.Fatal(err)
	}
	_, key, err := e.svc.accounts.CreateAPIKey(auth.WithPrincipal(context.Background(), auth.System), acct, "t", nil)
	if err != nil {
		t.Fatal(err)
	}
	e.tokens["hr-001"] = key
	r = e.call("GET", "/v1/stats/talent", "hr-001", nil)
	mustStatus(t, r, http.StatusOK, "HR stats")
	var own stats
	_ = json.Unmarshal(r.Body, &own)
	want := e.count(`SELECT count(*) FROM talents WHERE status = 'registered' AND enterprise_id = $1`, first.ID)
	if own.Registered != want || own.NotEmployed != 0 || want == 0 {
		t.Errorf("HR sees %d registered (%d not employed), want %d", own.Registered, own.NotEmployed, want)
	}
	for _, te := range own.TopEnterprises {
		if te.EnterpriseID != first.ID {
			t.Errorf("HR sees another enterprise in the top list: %d", te.EnterpriseID)
		}
	}

	// Green cards: one per registered talent, some still under the retired key; the health checks;
	// agent requests in every state.
	if n := e.count(`SELECT count(*) FROM cards WHERE status = 'active'`); n != talent.DemoRegistered {
		t.Errorf("%d cards for %d registered talents", n, talent.DemoRegistered)
	}
	if n := e.count(`SELECT count(*) FROM card_versions v JOIN signing_keys k ON k.key_id = v.key_id WHERE k.status = 'retired'`); n == 0 {
		t.Error("no card is signed by the retired key")
	}
	if n := e.count(`SELECT count(*) FROM service_uses WHERE service_code = 'health_check'`); n != 171 {
		t.Errorf("%d health checks, want 171", n)
	}
	if n := e.count(`SELECT count(DISTINCT status) FROM agent_requests`); n != 5 {
		t.Errorf("agent requests in %d states, want all 5", n)
	}
	if n := e.count(`SELECT count(*) FROM accounts WHERE role = 'commissioner'`); n < 3 {
		t.Errorf("%d commissioners", n)
	}

	// Seeding again changes nothing.
	before := e.count(`SELECT count(*) FROM talents`) + e.count(`SELECT count(*) FROM cards`) + e.count(`SELECT count(*) FROM agent_requests`)
	out.Reset()
	if err := seedDemo(context.Background(), e.svc, &out, discardLog()); err != nil {
		t.Fatal(err)
	}
	if after := e.count(`SELECT count(*) FROM talents`) + e.count(`SELECT count(*) FROM cards`) + e.count(`SELECT count(*) FROM agent_requests`); after != before {
		t.Errorf("second seeding added %d records", after-before)
	}
}
