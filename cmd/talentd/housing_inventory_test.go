package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
)

// housingUnitBody is a unit of the estate with the given number, for the inventory tests.
func housingUnitBody(estateID int64, number string, kind string, rooms int, area float64) map[string]any {
	return map[string]any{"estate_id": estateID, "building": "1栋", "number": number, "floor": 3, "rooms": rooms,
		"area_m2": area, "kind": kind, "monthly_rent_fen": 120000}
}

// decodeInto unmarshals a response body into v.
func decodeInto(t *testing.T, r response, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// newHousingEstate adds an estate as the housing office and returns its id.
func (e *testEnv) newHousingEstate(t *testing.T, name string) int64 {
	t.Helper()
	r := e.call("POST", "/v1/housing/estates", "housing", map[string]any{"name": name, "address": "璧山区"})
	mustStatus(t, r, http.StatusCreated, "create estate")
	var est struct{ ID int64 }
	decodeInto(t, r, &est)
	return est.ID
}

func TestHousingEstates(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	id := e.newHousingEstate(t, "璧泉人才公寓")
	mustStatus(t, e.call("POST", "/v1/housing/estates", "housing", map[string]any{"name": " 璧泉人才公寓 "}),
		http.StatusConflict, "same name again")
	mustStatus(t, e.call("POST", "/v1/housing/estates", "housing", map[string]any{"name": "   "}),
		http.StatusUnprocessableEntity, "blank name")
	mustStatus(t, e.call("POST", "/v1/housing/estates", "hr-x", map[string]any{"name": "x"}), http.StatusForbidden, "HR adds")
	mustStatus(t, e.call("POST", "/v1/housing/estates", "office", map[string]any{"name": "x"}), http.StatusForbidden,
		"talent office adds")

	got := e.call("GET", fmt.Sprintf("/v1/housing/estates/%d", id), "office", nil)
	mustStatus(t, got, http.StatusOK, "talent office reads")
	tag := got.Header.Get("ETag")
	mustStatus(t, e.call("GET", fmt.Sprintf("/v1/housing/estates/%d", id), "hr-x", nil), http.StatusForbidden, "HR reads")
	mustStatus(t, e.call("GET", "/v1/housing/estates/999999", "housing", nil), http.StatusNotFound, "unknown estate")

	path := fmt.Sprintf("/v1/housing/estates/%d", id)
	up := e.call("PUT", path, "housing", map[string]any{"name": "璧泉人才公寓二期", "address": "双星大道 8 号"}, "If-Match", tag)
	mustStatus(t, up, http.StatusOK, "rename")
	mustStatus(t, e.call("PUT", path, "housing", map[string]any{"name": "旧名"}, "If-Match", tag),
		http.StatusPreconditionFailed, "stale rename")
	if n := e.count(`SELECT count(*) FROM housing_estates WHERE name = '璧泉人才公寓二期'`); n != 1 {
		t.Fatalf("renamed estates: %d", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE entity_type = 'housing_estate'`); n != 2 {
		t.Errorf("audit records: %d, want 2", n)
	}

	e.newHousingEstate(t, "璧山公租房一区")
	first := e.call("GET", "/v1/housing/estates?limit=1", "housing", nil)
	mustStatus(t, first, http.StatusOK, "list")
	var pg struct {
		Items      []struct{ Name string }
		NextCursor string `json:"next_cursor"`
	}
	decodeInto(t, first, &pg)
	if len(pg.Items) != 1 || pg.NextCursor == "" {
		t.Fatalf("first page: %s", first.Body)
	}
	second := e.call("GET", "/v1/housing/estates?limit=1&cursor="+pg.NextCursor, "housing", nil)
	decodeInto(t, second, &pg)
	if len(pg.Items) != 1 || pg.Items[0].Name != "璧山公租房一区" {
		t.Fatalf("second page: %s", second.Body)
	}
}

func TestHousingUnits(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	est := e.newHousingEstate(t, "璧泉人才公寓")
	r := e.call("POST", "/v1/housing/units", "housing", housingUnitBody(est, "101", "talent_apartment", 2, 68.456))
	mustStatus(t, r, http.StatusCreated, "create unit")
	var u struct {
		ID         int64
		AreaM2     float64 `json:"area_m2"`
		Status     string
		EstateName string `json:"estate_name"`
		Kind       string
	}
	decodeInto(t, r, &u)
	if u.AreaM2 != 68.46 || u.Status != "available" || u.EstateName != "璧泉人才公寓" {
		t.Fatalf("created: %s", r.Body)
	}
	mustStatus(t, e.call("POST", "/v1/housing/units", "housing", housingUnitBody(est, "101", "public_rental", 1, 40)),
		http.StatusConflict, "same number")
	mustStatus(t, e.call("POST", "/v1/housing/units", "housing", housingUnitBody(999999, "101", "public_rental", 1, 40)),
		http.StatusUnprocessableEntity, "unknown estate")
	for _, n := range []string{"102", "103"} {
		mustStatus(t, e.call("POST", "/v1/housing/units", "housing", housingUnitBody(est, n, "public_rental", 1, 40)),
			http.StatusCreated, "unit "+n)
	}

	count := func(query string) int {
		t.Helper()
		r := e.call("GET", "/v1/housing/units?"+query, "office", nil)
		mustStatus(t, r, http.StatusOK, "list "+query)
		var pg struct{ Items []any }
		decodeInto(t, r, &pg)
		return len(pg.Items)
	}
	for q, want := range map[string]int{"": 3, "kind=public_rental": 2, "rooms=2": 1, "rooms=0": 0, "min_area=50": 1,
		"max_area=50": 2, fmt.Sprintf("estate_id=%d&status=available", est): 3, "status=maintenance": 0} {
		if got := count(q); got != want {
			t.Errorf("units?%s: %d, want %d", q, got, want)
		}
	}
	mustStatus(t, e.call("GET", "/v1/housing/units?min_area=60&max_area=50", "housing", nil), http.StatusUnprocessableEntity,
		"inverted area range")
	mustStatus(t, e.call("GET", "/v1/housing/units", "hr-x", nil), http.StatusForbidden, "HR lists units")

	path := fmt.Sprintf("/v1/housing/units/%d", u.ID)
	got := e.call("GET", path, "housing", nil)
	tag := got.Header.Get("ETag")
	edit := housingUnitBody(est, "101", "talent_apartment", 3, 80)
	mustStatus(t, e.call("PUT", path, "housing", edit, "If-Match", tag), http.StatusOK, "edit")
	mustStatus(t, e.call("PUT", path, "housing", edit, "If-Match", tag), http.StatusPreconditionFailed, "stale edit")

	status := path + "/status"
	mustStatus(t, e.call("POST", status, "housing", map[string]any{"status": "occupied", "reason": "x"}),
		http.StatusUnprocessableEntity, "occupied by hand")
	r = e.call("POST", status, "housing", map[string]any{"status": "maintenance", "reason": "漏水维修"})
	mustStatus(t, r, http.StatusOK, "into maintenance")
	decodeInto(t, r, &u)
	if u.Status != "maintenance" || count("status=maintenance") != 1 {
		t.Fatalf("maintenance: %s", r.Body)
	}
	mustStatus(t, e.call("POST", status, "housing", map[string]any{"status": "available", "reason": "修好了"}),
		http.StatusOK, "back available")

	t.Run("ErrUnitHeld", func(t *testing.T) {
		e.holdUnit(t, u.ID)
		before := e.count(`SELECT version FROM housing_units WHERE id = $1`, u.ID)
		changed := housingUnitBody(est, "101", "public_rental", 3, 80)
		r := e.call("PUT", path, "housing", changed)
		mustStatus(t, r, http.StatusConflict, "kind of a held unit")
		if !json.Valid(r.Body) || !containsCode(r.Body, "unit_held") {
			t.Errorf("want unit_held: %s", r.Body)
		}
		mustStatus(t, e.call("POST", status, "housing", map[string]any{"status": "maintenance", "reason": "x"}),
			http.StatusConflict, "maintenance of a held unit")
		mustStatus(t, e.call("PUT", path, "housing", housingUnitBody(est, "101", "talent_apartment", 3, 82)),
			http.StatusOK, "area of a held unit")
		if after := e.count(`SELECT version FROM housing_units WHERE id = $1`, u.ID); after != before+1 {
			t.Errorf("version %d → %d: only the allowed edit may count", before, after)
		}
	})
}

// containsCode reports whether a problem body carries the code.
func containsCode(body []byte, code string) bool {
	var p struct{ Code string }
	return json.Unmarshal(body, &p) == nil && p.Code == code
}

// holdUnit makes a live offer on the unit, as a committed round would, so that it is held.
func (e *testEnv) holdUnit(t *testing.T, unitID int64) {
	t.Helper()
	reg := e.registered(t, newTalentBody("C"))
	var appID, roundID, offerID int64
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.db.Get(&appID, `INSERT INTO housing_applications (kind, talent_id, applicant_name, id_number_cipher,
		id_number_hash, id_number_masked, grade, household_size) VALUES ('talent_apartment', $1, '测试', '\x00', '\x01',
		'1101**', 'C', 2) RETURNING id`, reg.ID))
	must(e.db.Get(&roundID, `INSERT INTO housing_rounds (kind, title, seed_sha256, seed_cipher)
		VALUES ('talent_apartment', '测试批次', decode(repeat('ab', 32), 'hex'), '\x00') RETURNING id`))
	must(e.db.Get(&offerID, `INSERT INTO housing_offers (round_id, application_id, unit_id, expires_on)
		VALUES ($1, $2, $3, current_date + 14) RETURNING id`, roundID, appID, unitID))
	_, err := e.db.Exec(`INSERT INTO housing_unit_holds (unit_id, offer_id) VALUES ($1, $2)`, unitID, offerID)
	must(err)
	_, err = e.db.Exec(`UPDATE housing_units SET status = 'offered' WHERE id = $1`, unitID)
	must(err)
}

func TestHousingSettings(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	got := e.call("GET", "/v1/housing/settings", "office", nil)
	mustStatus(t, got, http.StatusOK, "talent office reads")
	if got.Header.Get("ETag") != `"1"` {
		t.Fatalf("defaults are version 1: %s", got.Header.Get("ETag"))
	}
	mustStatus(t, e.call("GET", "/v1/housing/settings", "hr-x", nil), http.StatusForbidden, "HR reads")
	var st map[string]any
	decodeInto(t, got, &st)
	delete(st, "$schema")

	with := func(change func(m map[string]any)) map[string]any {
		var m map[string]any
		raw, _ := json.Marshal(st)
		_ = json.Unmarshal(raw, &m)
		change(m)
		return m
	}
	for name, body := range map[string]map[string]any{
		"unknown class": with(func(m map[string]any) { m["eligible_grades"] = []string{"A", "E"} }),
		"percent over":  with(func(m map[string]any) { m["rent_discount_percent"] = map[string]int{"A": 101, "B": 0, "C": 0, "D": 0} }),
		"class missing": with(func(m map[string]any) { m["rent_discount_percent"] = map[string]int{"A": 100} }),
		"unsorted rooms": with(func(m map[string]any) {
			m["rooms_for_household"] = []map[string]int{{"max_household": 20, "min_rooms": 1, "max_rooms": 3}, {"max_household": 2, "min_rooms": 1, "max_rooms": 1}}
		}),
		"min above max": with(func(m map[string]any) {
			m["rooms_for_household"] = []map[string]int{{"max_household": 20, "min_rooms": 3, "max_rooms": 1}}
		}),
		"not up to 20": with(func(m map[string]any) {
			m["rooms_for_household"] = []map[string]int{{"max_household": 6, "min_rooms": 1, "max_rooms": 3}}
		}),
		"talent office": nil,
	} {
		user := "housing"
		if body == nil {
			user, body = "office", with(func(map[string]any) {})
		}
		r := e.call("PUT", "/v1/housing/settings", user, body)
		if r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusForbidden {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	if n := e.count(`SELECT count(*) FROM housing_settings`); n != 0 {
		t.Fatalf("refused changes saved %d versions", n)
	}

	changed := with(func(m map[string]any) {
		m["eligible_grades"] = []string{"A", "B"}
		m["rent_discount_percent"] = map[string]int{"A": 100, "B": 60, "C": 0, "D": 0}
		m["offer_days"] = 10
	})
	r := e.call("PUT", "/v1/housing/settings", "housing", changed, "If-Match", `"1"`)
	mustStatus(t, r, http.StatusOK, "save")
	mustStatus(t, e.call("PUT", "/v1/housing/settings", "housing", changed, "If-Match", `"1"`), http.StatusPreconditionFailed,
		"stale save")
	var saved struct {
		OfferDays int      `json:"offer_days"`
		Eligible  []string `json:"eligible_grades"`
	}
	now := e.call("GET", "/v1/housing/settings", "housing", nil)
	decodeInto(t, now, &saved)
	if now.Header.Get("ETag") != `"2"` || saved.OfferDays != 10 || len(saved.Eligible) != 2 {
		t.Fatalf("saved: %+v", saved)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE entity_type = 'housing_settings'`); n != 1 {
		t.Errorf("audit records: %d", n)
	}
}
