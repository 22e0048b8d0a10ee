package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"talentd/talent"
)

// housingApplicationJSON is the part of a housing application the tests read.
type housingApplicationJSON struct {
	ID             int64   `json:"id"`
	Kind           string  `json:"kind"`
	TalentID       *int64  `json:"talent_id"`
	EnterpriseID   *int64  `json:"enterprise_id"`
	EnterpriseName *string `json:"enterprise_name"`
	Applicant      struct {
		Name     string `json:"name"`
		IDNumber string `json:"id_number"`
	} `json:"applicant"`
	Grade          *string `json:"grade"`
	HouseholdSize  int     `json:"household_size"`
	PreferredRooms []int   `json:"preferred_rooms"`
	Status         string  `json:"status"`
	StatusReason   string  `json:"status_reason"`
}

func decodeHousingApplication(t *testing.T, r response) housingApplicationJSON {
	t.Helper()
	var a housingApplicationJSON
	if err := json.Unmarshal(r.Body, &a); err != nil {
		t.Fatalf("application: %v: %s", err, r.Body)
	}
	return a
}

// newIDNumber returns a fresh valid identity number.
func newIDNumber() string {
	genMu.Lock()
	defer genMu.Unlock()
	return gen.Talent(talent.GradeD, nil).IDNumber
}

// publicRentalBody is a public-rental application for a worker with the identity number.
func publicRentalBody(idNumber string) map[string]any {
	return map[string]any{"kind": "public_rental", "applicant": map[string]any{"name": "李四", "id_number": idNumber},
		"household_size": 3, "preferred_rooms": []int{2, 3}, "current_housing": "租住民房"}
}

// fileHousing files an application as user and wants the status.
func (e *testEnv) fileHousing(t *testing.T, user string, body map[string]any, want int) housingApplicationJSON {
	t.Helper()
	r := e.call("POST", "/v1/housing/applications", user, body)
	mustStatus(t, r, want, "file housing application as "+user)
	if want != http.StatusCreated {
		return housingApplicationJSON{}
	}
	return decodeHousingApplication(t, r)
}

// problemCode is the code of a problem+json answer.
func problemCode(t *testing.T, r response) string {
	t.Helper()
	code, _ := r.json(t)["code"].(string)
	return code
}

func TestHousingApplications_TalentApartment(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	tl := e.registered(t, newTalentBody(talent.GradeB))
	body := map[string]any{"kind": "talent_apartment", "talent_id": tl.ID, "household_size": 2, "preferred_rooms": []int{1, 2}}

	t.Run("another enterprise's HR cannot file or see it", func(t *testing.T) {
		r := e.call("POST", "/v1/housing/applications", "hr-y", body)
		mustStatus(t, r, http.StatusNotFound, "hr-y files for X's talent")
	})
	a := e.fileHousing(t, "hr-x", body, http.StatusCreated)
	if a.Status != "pending" || a.Kind != "talent_apartment" || a.TalentID == nil || *a.TalentID != tl.ID ||
		a.Grade == nil || *a.Grade != *tl.Grade || a.EnterpriseID == nil || *a.EnterpriseID != e.entX.ID {
		t.Errorf("filed: %+v", a)
	}
	if !strings.HasSuffix(a.Applicant.IDNumber, tl.IDNumber[14:]) || !strings.Contains(a.Applicant.IDNumber, "****") || a.Applicant.Name == "" {
		t.Errorf("applicant comes from the registry, masked: %+v (talent %s)", a.Applicant, tl.IDNumber)
	}
	id := fmt.Sprint(a.ID)
	mustStatus(t, e.call("GET", "/v1/housing/applications/"+id, "hr-y", nil), http.StatusNotFound, "hr-y reads X's application")
	mustStatus(t, e.call("GET", "/v1/housing/applications/"+id, "office", nil), http.StatusOK, "talent office reads")

	t.Run("a second live application is refused", func(t *testing.T) {
		r := e.call("POST", "/v1/housing/applications", "office", body)
		mustStatus(t, r, http.StatusConflict, "duplicate")
		if c := problemCode(t, r); c != "application_live" {
			t.Errorf("code %q", c)
		}
	})

	t.Run("lists are scoped", func(t *testing.T) {
		var page struct {
			Items []housingApplicationJSON `json:"items"`
		}
		r := e.call("GET", "/v1/housing/applications?kind=talent_apartment&status=pending", "hr-x", nil)
		mustStatus(t, r, http.StatusOK, "list")
		if err := json.Unmarshal(r.Body, &page); err != nil || len(page.Items) != 1 || page.Items[0].ID != a.ID {
			t.Errorf("hr-x's waiting list: %s", r.Body)
		}
		r = e.call("GET", "/v1/housing/applications", "hr-y", nil)
		mustStatus(t, r, http.StatusOK, "list")
		if err := json.Unmarshal(r.Body, &page); err != nil || len(page.Items) != 0 {
			t.Errorf("hr-y sees X's applications: %s", r.Body)
		}
	})

	t.Run("withdraw, then file again", func(t *testing.T) {
		mustStatus(t, e.call("POST", "/v1/housing/applications/"+id+"/withdraw", "hr-y", map[string]any{"reason": "x"}),
			http.StatusNotFound, "hr-y withdraws X's")
		r := e.call("POST", "/v1/housing/applications/"+id+"/withdraw", "hr-x", map[string]any{"reason": "已自购住房"})
		mustStatus(t, r, http.StatusOK, "withdraw")
		if w := decodeHousingApplication(t, r); w.Status != "withdrawn" || w.StatusReason != "已自购住房" {
			t.Errorf("withdrawn: %+v", w)
		}
		r = e.call("POST", "/v1/housing/applications/"+id+"/withdraw", "hr-x", map[string]any{"reason": "again"})
		mustStatus(t, r, http.StatusConflict, "withdraw twice")
		e.fileHousing(t, "hr-x", body, http.StatusCreated)
	})
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action LIKE 'housing_application.%'`); n != 3 {
		t.Errorf("audit records: %d, want 3", n)
	}
}

func TestHousingApplications_TalentApartmentRules(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	apply := func(tl talentJSON) response {
		return e.call("POST", "/v1/housing/applications", "office", map[string]any{"kind": "talent_apartment",
			"talent_id": tl.ID, "household_size": 1})
	}
	wantCode := func(r response, status int, code string) {
		t.Helper()
		mustStatus(t, r, status, code)
		if c := problemCode(t, r); c != code {
			t.Errorf("code %q, want %q", c, code)
		}
	}

	suspended := e.registered(t, newTalentBody(talent.GradeA))
	e.db.MustExec(`UPDATE cards SET status = 'suspended' WHERE talent_id = $1`, suspended.ID)
	wantCode(apply(suspended), http.StatusConflict, "no_live_card")

	expired := e.registered(t, newTalentBody(talent.GradeA))
	e.db.MustExec(`UPDATE card_versions v SET expires_on = CURRENT_DATE - 400 FROM cards c
		WHERE c.id = v.card_id AND c.talent_id = $1`, expired.ID)
	wantCode(apply(expired), http.StatusConflict, "no_live_card")

	draft := e.call("POST", "/v1/talents", "hr-x", newTalentBody(talent.GradeA))
	mustStatus(t, draft, http.StatusCreated, "draft talent")
	wantCode(apply(decodeTalent(t, draft)), http.StatusConflict, "talent_not_registered")

	excluded := e.registered(t, newTalentBody(talent.GradeD))
	var others []string
	for _, g := range []string{"A", "B", "C", "D"} {
		if g != *excluded.Grade {
			others = append(others, g)
		}
	}
	settings, _ := json.Marshal(map[string]any{"eligible_grades": others})
	e.db.MustExec(`INSERT INTO housing_settings (settings) VALUES ($1)`, string(settings))
	wantCode(apply(excluded), http.StatusConflict, "grade_not_eligible")
	mustStatus(t, e.call("POST", "/v1/housing/applications", "office", map[string]any{"kind": "talent_apartment",
		"talent_id": 9_000_000_000, "household_size": 1}), http.StatusNotFound, "unknown talent")
	if n := e.count(`SELECT count(*) FROM housing_applications`); n != 0 {
		t.Errorf("%d applications stored", n)
	}
}

func TestHousingApplications_PublicRental(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	idNumber := newIDNumber()
	a := e.fileHousing(t, "hr-x", publicRentalBody(idNumber), http.StatusCreated)
	if a.EnterpriseID == nil || *a.EnterpriseID != e.entX.ID || a.EnterpriseName == nil || *a.EnterpriseName != e.entX.Name ||
		a.Applicant.Name != "李四" || a.Applicant.IDNumber == idNumber || !strings.Contains(a.Applicant.IDNumber, "****") ||
		a.Grade != nil || a.TalentID != nil || len(a.PreferredRooms) != 2 {
		t.Errorf("filed: %+v", a)
	}
	var cipher []byte
	if err := e.db.Get(&cipher, `SELECT id_number_cipher FROM housing_applications WHERE id = $1`, a.ID); err != nil ||
		strings.Contains(string(cipher), idNumber) {
		t.Errorf("the identity number must be stored sealed (%v)", err)
	}

	t.Run("the same person through another enterprise is refused", func(t *testing.T) {
		r := e.call("POST", "/v1/housing/applications", "hr-y", publicRentalBody(idNumber), "Accept-Language", "zh-CN")
		mustStatus(t, r, http.StatusConflict, "duplicate across enterprises")
		m := r.json(t)
		if m["code"] != "application_live" || !strings.Contains(fmt.Sprint(m["detail"]), "有效申请") {
			t.Errorf("problem: %s", r.Body)
		}
	})

	t.Run("HR names only its own enterprise", func(t *testing.T) {
		b := publicRentalBody(newIDNumber())
		b["enterprise_id"] = e.entY.ID
		e.fileHousing(t, "hr-x", b, http.StatusUnprocessableEntity)
		b["enterprise_id"] = e.entX.ID
		e.fileHousing(t, "hr-x", b, http.StatusCreated)
	})

	t.Run("the housing office names the enterprise", func(t *testing.T) {
		b := publicRentalBody(newIDNumber())
		e.fileHousing(t, "housing", b, http.StatusUnprocessableEntity)
		b["enterprise_id"] = 9_000_000_000
		e.fileHousing(t, "housing", b, http.StatusNotFound)
		b["enterprise_id"] = e.entY.ID
		if got := e.fileHousing(t, "housing", b, http.StatusCreated); *got.EnterpriseID != e.entY.ID {
			t.Errorf("filed for %d", *got.EnterpriseID)
		}
	})

	t.Run("the talent office does not file public rental", func(t *testing.T) {
		e.fileHousing(t, "office", publicRentalBody(newIDNumber()), http.StatusForbidden)
	})

	t.Run("bad inputs change nothing", func(t *testing.T) {
		before := e.count(`SELECT count(*) FROM housing_applications`)
		bad := publicRentalBody(newIDNumber())
		bad["applicant"].(map[string]any)["id_number"] = "110101199003071234"
		e.fileHousing(t, "hr-x", bad, http.StatusUnprocessableEntity)
		bad = publicRentalBody(newIDNumber())
		bad["preferred_rooms"] = []int{2, 2}
		e.fileHousing(t, "hr-x", bad, http.StatusUnprocessableEntity)
		bad = publicRentalBody(newIDNumber())
		bad["talent_id"] = 1
		e.fileHousing(t, "hr-x", bad, http.StatusUnprocessableEntity)
		bad = publicRentalBody(newIDNumber())
		delete(bad, "applicant")
		e.fileHousing(t, "hr-x", bad, http.StatusUnprocessableEntity)
		if after := e.count(`SELECT count(*) FROM housing_applications`); after != before {
			t.Errorf("bad inputs stored %d applications", after-before)
		}
	})
}
