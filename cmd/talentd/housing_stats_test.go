package main

import (
	"fmt"
	"net/http"
	"testing"
)

// housingStatsJSON is the body of GET /v1/stats/housing, as far as the tests read it.
type housingStatsJSON struct {
	Units []struct {
		Kind, Status string
		Count        int
	}
	Kinds []struct {
		Kind          string
		Units         int
		Occupied      int
		Maintenance   int
		OccupancyRate float64 `json:"occupancy_rate"`
		Residents     int
		Waiting       int
		MedianWait    float64 `json:"median_wait_days"`
	}
	ResidentsHoused   int `json:"residents_housed"`
	EnterprisesServed int `json:"enterprises_served"`
	Rounds            []struct {
		RoundID          int64 `json:"round_id"`
		Offers           int
		Accepted         int
		Declined         int
		Expired          int
		DeclinedByReason map[string]int `json:"declined_by_reason"`
	}
}

func TestHousingStats(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	est := e.newHousingEstate(t, "璧山公租房一区")
	units := make([]int64, 5)
	for i := range units {
		r := e.call("POST", "/v1/housing/units", "housing", housingUnitBody(est, fmt.Sprint(101+i), "public_rental", 1, 40))
		mustStatus(t, r, http.StatusCreated, "unit")
		var u struct{ ID int64 }
		decodeInto(t, r, &u)
		units[i] = u.ID
	}
	mustStatus(t, e.call("POST", fmt.Sprintf("/v1/housing/units/%d/status", units[4]), "housing",
		map[string]any{"status": "maintenance", "reason": "维修"}), http.StatusOK, "maintenance")
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := e.db.Exec(query, args...); err != nil {
			t.Fatal(err)
		}
	}
	// Leases of X (3 residents) and Y (2 residents); pending applications of X (waited 10 and 20 days) and Y.
	for i, l := range []struct {
		ent       int64
		residents int
	}{{e.entX.ID, 3}, {e.entY.ID, 2}} {
		exec(`INSERT INTO housing_leases (kind, unit_id, enterprise_id, tenant_name, id_number_hash, id_number_masked,
			start_on, end_on, monthly_rent_fen, residents) VALUES ('public_rental', $1, $2, '租户', $3, '5002**', '2025-01-01',
			'2028-01-01', 60000, $4)`, units[i], l.ent, []byte{byte(i)}, l.residents)
		exec(`UPDATE housing_units SET status = 'occupied' WHERE id = $1`, units[i])
	}
	for i, a := range []struct {
		ent  int64
		days int
	}{{e.entX.ID, 10}, {e.entX.ID, 20}, {e.entY.ID, 40}} {
		exec(`INSERT INTO housing_applications (kind, enterprise_id, applicant_name, id_number_cipher, id_number_hash,
			id_number_masked, household_size, applied_at) VALUES ('public_rental', $1, '申请人', '\x00', $2, '5002**', 2,
			now() - make_interval(days => $3))`, a.ent, []byte{byte(10 + i)}, a.days)
	}

	stats := func(user string) housingStatsJSON {
		t.Helper()
		r := e.call("GET", "/v1/stats/housing", user, nil)
		mustStatus(t, r, http.StatusOK, "stats as "+user)
		var s housingStatsJSON
		decodeInto(t, r, &s)
		return s
	}
	all := stats("housing") // kinds in the order of the vocabulary: talent apartments, then public rental
	pr := all.Kinds[1]
	if pr.Kind != "public_rental" || pr.Units != 5 || pr.Occupied != 2 || pr.Maintenance != 1 || pr.OccupancyRate != 0.5 ||
		pr.Waiting != 3 || pr.MedianWait != 20 || pr.Residents != 5 {
		t.Errorf("public rental, office: %+v", pr)
	}
	if all.ResidentsHoused != 5 || all.EnterprisesServed != 2 {
		t.Errorf("served, office: %d residents, %d enterprises", all.ResidentsHoused, all.EnterprisesServed)
	}
	x := stats("hr-x")
	if p := x.Kinds[1]; p.Units != 5 || p.Waiting != 2 || p.MedianWait != 15 || p.Residents != 3 ||
		x.ResidentsHoused != 3 || x.EnterprisesServed != 1 {
		t.Errorf("HR of X: %+v, %d residents, %d enterprises", p, x.ResidentsHoused, x.EnterprisesServed)
	}
	mustStatus(t, e.call("GET", "/v1/stats/housing", "window", nil), http.StatusForbidden, "window")
}
