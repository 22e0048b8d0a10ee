package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"talentd/talent"
)

// housingLeaseJSON is the part of a lease the tests read.
type housingLeaseJSON struct {
	ID           int64  `json:"id"`
	Kind         string `json:"kind"`
	UnitID       int64  `json:"unit_id"`
	EnterpriseID *int64 `json:"enterprise_id"`
	Tenant       struct {
		Name     string `json:"name"`
		IDNumber string `json:"id_number"`
	} `json:"tenant"`
	StartOn    string  `json:"start_on"`
	EndOn      string  `json:"end_on"`
	Status     string  `json:"status"`
	MoveOutDue bool    `json:"move_out_due"`
	MoveOutOn  *string `json:"move_out_on"`
	EndedOn    *string `json:"ended_on"`
}

func decodeHousingLease(t *testing.T, r response) housingLeaseJSON {
	t.Helper()
	var l housingLeaseJSON
	if err := json.Unmarshal(r.Body, &l); err != nil {
		t.Fatalf("lease: %v: %s", err, r.Body)
	}
	return l
}

// housingUnit adds a unit of the kind to a test estate and returns its id.
func (e *testEnv) housingUnit(t *testing.T, kind, number string) int64 {
	t.Helper()
	var estate, unit int64
	if err := e.db.Get(&estate, `INSERT INTO housing_estates (name) VALUES ('璧泉人才公寓')
		ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Get(&unit, `INSERT INTO housing_units (estate_id, building, number, floor, rooms, area_m2, kind, monthly_rent_fen)
		VALUES ($1, '1', $2, 3, 2, 72.5, $3, 120000) RETURNING id`, estate, number, kind); err != nil {
		t.Fatal(err)
	}
	return unit
}

// housingLease lets a new unit to a registered talent (talent apartment, talentID set) or to a
// worker of the enterprise (public rental), as an accepted offer would, and returns the lease id.
func (e *testEnv) housingLease(t *testing.T, kind string, talentID *int64, enterpriseID int64) int64 {
	t.Helper()
	unit := e.housingUnit(t, kind, fmt.Sprintf("L%d-%d", enterpriseID, e.count(`SELECT count(*) FROM housing_units`)))
	var lease int64
	hash := fmt.Sprintf("test-%d", unit)
	err := e.db.Get(&lease, `INSERT INTO housing_leases (kind, unit_id, talent_id, enterprise_id, tenant_name, id_number_hash,
		id_number_masked, start_on, end_on, monthly_rent_fen, residents)
		SELECT $1, $2, t.id, $4, COALESCE(t.name, '赵六'), COALESCE(t.id_number_hash, convert_to($5, 'UTF8')),
		       COALESCE(t.id_number_masked, '500227********1234'), DATE '2026-01-01', DATE '2029-01-01', 60000, 2
		FROM (SELECT 1) one LEFT JOIN talents t ON t.id = $3 RETURNING id`, kind, unit, talentID, enterpriseID, hash)
	if err != nil {
		t.Fatal(err)
	}
	e.db.MustExec(`INSERT INTO housing_unit_holds (unit_id, lease_id) VALUES ($1, $2)`, unit, lease)
	e.db.MustExec(`UPDATE housing_units SET status = 'occupied' WHERE id = $1`, unit)
	return lease
}

// housingOffer offers a new unit to the application, holding the unit, as a committed round
// would, and returns the offer's and the unit's ids.
func (e *testEnv) housingOffer(t *testing.T, applicationID int64) (offer, unit int64) {
	t.Helper()
	unit = e.housingUnit(t, "talent_apartment", fmt.Sprintf("O%d", applicationID))
	var round int64
	if err := e.db.Get(&round, `INSERT INTO housing_rounds (kind, title, seed_sha256, seed_cipher)
		VALUES ('talent_apartment', '测试批次', decode(repeat('ab', 32), 'hex'), '\x00') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Get(&offer, `INSERT INTO housing_offers (round_id, application_id, unit_id, expires_on)
		VALUES ($1, $2, $3, CURRENT_DATE + 14) RETURNING id`, round, applicationID, unit); err != nil {
		t.Fatal(err)
	}
	e.db.MustExec(`INSERT INTO housing_unit_holds (unit_id, offer_id) VALUES ($1, $2)`, unit, offer)
	e.db.MustExec(`UPDATE housing_units SET status = 'offered' WHERE id = $1`, unit)
	e.db.MustExec(`UPDATE housing_applications SET status = 'offered' WHERE id = $1`, applicationID)
	return offer, unit
}

func TestHousingLeases_ScopeRenewTerminate(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	id := fmt.Sprint(e.housingLease(t, "public_rental", nil, e.entX.ID))
	path := "/v1/housing/leases/" + id

	r := e.call("GET", path, "hr-x", nil)
	mustStatus(t, r, http.StatusOK, "hr-x reads its lease")
	etag := r.Header.Get("ETag")
	mustStatus(t, e.call("GET", path, "hr-y", nil), http.StatusNotFound, "hr-y reads X's lease")
	r = e.call("GET", "/v1/housing/leases", "hr-y", nil)
	mustStatus(t, r, http.StatusOK, "hr-y lists")
	var page struct {
		Items []housingLeaseJSON `json:"items"`
	}
	if err := json.Unmarshal(r.Body, &page); err != nil || len(page.Items) != 0 {
		t.Errorf("hr-y sees X's leases: %s", r.Body)
	}
	mustStatus(t, e.call("POST", path+"/renew", "hr-x", map[string]any{"months": 12}), http.StatusForbidden, "HR renews")

	t.Run("renew with If-Match", func(t *testing.T) {
		mustStatus(t, e.call("POST", path+"/renew", "housing", map[string]any{"months": 12}, "If-Match", `"99"`),
			http.StatusPreconditionFailed, "stale renew")
		r := e.call("POST", path+"/renew", "housing", map[string]any{"months": 12}, "If-Match", etag)
		mustStatus(t, r, http.StatusOK, "renew")
		if l := decodeHousingLease(t, r); l.EndOn != "2030-01-01" {
			t.Errorf("renewed to %s", l.EndOn)
		}
	})

	t.Run("terminate frees the unit", func(t *testing.T) {
		mustStatus(t, e.call("POST", path+"/terminate", "housing", map[string]any{"ended_on": "2025-12-31", "reason": "退租"}),
			http.StatusUnprocessableEntity, "end before start")
		r := e.call("POST", path+"/terminate", "housing", map[string]any{"ended_on": "2026-08-31", "reason": "租户退租"})
		mustStatus(t, r, http.StatusOK, "terminate")
		l := decodeHousingLease(t, r)
		if l.Status != "ended" || l.EndedOn == nil || *l.EndedOn != "2026-08-31" {
			t.Errorf("ended: %+v", l)
		}
		if n := e.count(`SELECT count(*) FROM housing_units WHERE id = $1 AND status = 'available'`, l.UnitID); n != 1 {
			t.Error("the unit must be available again")
		}
		if n := e.count(`SELECT count(*) FROM housing_unit_holds WHERE unit_id = $1`, l.UnitID); n != 0 {
			t.Error("the hold must be gone")
		}
		mustStatus(t, e.call("POST", path+"/renew", "housing", map[string]any{"months": 1}), http.StatusConflict, "renew an ended lease")
	})
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action IN ('housing_lease.renew', 'housing_lease.terminate')`); n != 2 {
		t.Errorf("audit records: %d", n)
	}
}

func TestHousingHook_TalentLeaves(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	applicant := e.registered(t, newTalentBody(talent.GradeA))
	tenant := e.registered(t, newTalentBody(talent.GradeB))
	a := e.fileHousing(t, "hr-x", map[string]any{"kind": "talent_apartment", "talent_id": applicant.ID, "household_size": 1},
		http.StatusCreated)
	offer, unit := e.housingOffer(t, a.ID)
	lease := fmt.Sprint(e.housingLease(t, "talent_apartment", &tenant.ID, e.entX.ID))

	for _, tl := range []talentJSON{applicant, tenant} {
		mustStatus(t, e.call("POST", fmt.Sprintf("/v1/talents/%d/leave", tl.ID), "hr-x", map[string]any{"reason": "调离本区"}),
			http.StatusOK, "leave")
	}
	r := e.call("GET", fmt.Sprint("/v1/housing/applications/", a.ID), "housing", nil)
	mustStatus(t, r, http.StatusOK, "read application")
	if got := decodeHousingApplication(t, r); got.Status != "ineligible" || got.StatusReason == "" {
		t.Errorf("after the talent left: %+v", got)
	}
	if n := e.count(`SELECT count(*) FROM housing_offers WHERE id = $1 AND status = 'withdrawn'`, offer); n != 1 {
		t.Error("the offer must be withdrawn")
	}
	if n := e.count(`SELECT count(*) FROM housing_units WHERE id = $1 AND status = 'available'`, unit); n != 1 {
		t.Error("the offered unit must be available again")
	}

	r = e.call("GET", "/v1/housing/leases?move_out_due=true", "housing", nil)
	mustStatus(t, r, http.StatusOK, "list flagged leases")
	var page struct {
		Items []housingLeaseJSON `json:"items"`
	}
	if err := json.Unmarshal(r.Body, &page); err != nil || len(page.Items) != 1 || fmt.Sprint(page.Items[0].ID) != lease ||
		!page.Items[0].MoveOutDue || page.Items[0].Status != "active" {
		t.Errorf("flagged leases: %s", r.Body)
	}
	mustStatus(t, e.call("POST", "/v1/housing/leases/"+lease+"/move-out", "hr-x", map[string]any{"move_out_on": "2026-12-31"}),
		http.StatusForbidden, "HR sets the move-out")
	r = e.call("POST", "/v1/housing/leases/"+lease+"/move-out", "housing", map[string]any{"move_out_on": "2026-12-31"})
	mustStatus(t, r, http.StatusOK, "set the move-out")
	if l := decodeHousingLease(t, r); l.MoveOutOn == nil || *l.MoveOutOn != "2026-12-31" || !l.MoveOutDue {
		t.Errorf("move-out: %+v", l)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action IN ('housing_application.ineligible', 'housing_lease.move_out_due', 'housing_lease.move_out')`); n != 3 {
		t.Errorf("audit records: %d, want 3", n)
	}

	t.Run("a left talent cannot apply", func(t *testing.T) {
		r := e.call("POST", "/v1/housing/applications", "hr-x", map[string]any{"kind": "talent_apartment", "talent_id": applicant.ID,
			"household_size": 1})
		mustStatus(t, r, http.StatusConflict, "apply after leaving")
	})
}

func TestHousingHook_ErrorAbortsTheLeave(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	tl := e.registered(t, newTalentBody(talent.GradeC))
	a := e.fileHousing(t, "hr-x", map[string]any{"kind": "talent_apartment", "talent_id": tl.ID, "household_size": 2},
		http.StatusCreated)
	// A failing write in the hook stands for any error it may meet.
	e.db.MustExec(`CREATE FUNCTION refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'refused for the test'; END $$`)
	e.db.MustExec(`CREATE TRIGGER refuse BEFORE UPDATE ON housing_applications FOR EACH ROW EXECUTE FUNCTION refuse_update()`)
	r := e.call("POST", fmt.Sprintf("/v1/talents/%d/leave", tl.ID), "hr-x", map[string]any{"reason": "调离本区"})
	if r.Status < 500 {
		t.Fatalf("leave must fail with the hook: %d %s", r.Status, r.Body)
	}
	if n := e.count(`SELECT count(*) FROM talents WHERE id = $1 AND status = 'registered'`, tl.ID); n != 1 {
		t.Error("the talent must still be registered")
	}
	if n := e.count(`SELECT count(*) FROM housing_applications WHERE id = $1 AND status = 'pending'`, a.ID); n != 1 {
		t.Error("the application must still be pending")
	}
}
