package main

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"talentd/internal/auth"
	"talentd/talent"
)

// TestAuthorizationMatrix_Scope is the scope dimension of the authorization matrix: every operation
// that names an object in its path is called by HR of enterprise Y with the ids of enterprise X's
// objects (its talent, card, agent request, the enterprise itself, its HR account). The answer
// must be 404 — the object is out of scope, and HR must not even learn that it exists — or 403
// where HR may not call the operation at all; never a success.
func TestAuthorizationMatrix_Scope(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	x := e.registered(t, newTalentBody(talent.GradeC))
	sid := strconv.FormatInt(x.ID, 10)
	var serial string
	if err := e.db.Get(&serial, `SELECT serial FROM cards WHERE talent_id = $1`, x.ID); err != nil {
		t.Fatal(err)
	}
	r := e.call("POST", "/v1/greencard/requests", "office", map[string]any{"card_serial": serial,
		"service": "health_check", "description": "代办体检预约"})
	mustStatus(t, r, http.StatusCreated, "file a request for X's talent")
	reqID := strconv.FormatInt(int64(r.json(t)["id"].(float64)), 10)

	ids := func(path string) string {
		switch {
		case strings.HasPrefix(path, "/v1/talents/"):
			path = strings.Replace(path, "{id}", sid, 1)
		case strings.HasPrefix(path, "/v1/greencard/requests/"):
			path = strings.Replace(path, "{id}", reqID, 1)
		case strings.HasPrefix(path, "/v1/enterprises/"):
			path = strings.Replace(path, "{id}", strconv.FormatInt(e.entX.ID, 10), 1)
		case strings.HasPrefix(path, "/v1/accounts/"):
			path = strings.Replace(path, "{id}", strconv.FormatInt(e.acct["hr-x"].ID, 10), 1)
		}
		path = strings.Replace(path, "{serial}", serial, 1)
		return pathParam.ReplaceAllString(path, "1")
	}
	checked := 0
	for _, op := range operations(newHTTP(nil, e.svc, discardLog()).API.OpenAPI()) {
		rule := auth.RuleOf(op)
		if rule.Public || !strings.Contains(op.Path, "{") || strings.HasPrefix(op.Path, "/v1/grading-policies/") {
			continue // the grading policies are the district's, no enterprise's
		}
		var body any
		if op.RequestBody != nil {
			body = map[string]any{}
		}
		got := e.call(op.Method, ids(op.Path), "hr-y", body)
		checked++
		want := http.StatusNotFound
		if !rule.Permits(auth.RoleEnterpriseHR) {
			want = http.StatusForbidden
		}
		// A body the operation cannot take may be refused first (422/400): then the object was not
		// reached either, but the refusal must not be a success or say more than a 404 would.
		if got.Status != want && !(want == http.StatusNotFound && (got.Status == 422 || got.Status == 400)) {
			t.Errorf("%s %s as HR of Y with X's ids: %d, want %d: %s", op.Method, op.Path, got.Status, want, got.Body)
		}
		if got.Status < 400 {
			t.Errorf("%s %s: HR of Y reached X's object", op.Method, op.Path)
		}
	}
	if checked < 15 {
		t.Errorf("only %d operations with path ids", checked)
	}
	// Lists never carry X's objects to HR of Y.
	for _, path := range []string{"/v1/talents", "/v1/greencard/requests", "/v1/enterprises", "/v1/talents/export?format=csv"} {
		r := e.call("GET", path, "hr-y", nil)
		mustStatus(t, r, http.StatusOK, path)
		if strings.Contains(string(r.Body), x.IDNumber[len(x.IDNumber)-4:]+`"`) || strings.Contains(string(r.Body), serial) ||
			strings.Contains(string(r.Body), e.entX.USCC) {
			t.Errorf("%s as HR of Y shows X's objects: %.300s", path, r.Body)
		}
	}
}

// TestAgentRequests_WindowSeesOnlyWhatItFiled: a service window reads, lists and rates only the
// agent requests it filed itself — not every holder's requests and descriptions.
func TestAgentRequests_WindowSeesOnlyWhatItFiled(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	x := e.registered(t, newTalentBody(talent.GradeC))
	card, _ := e.cardOf(t, x.ID, "office")
	e.verify(t, card.Token) // a window files for the holder whose card it verified
	byOffice := e.call("POST", "/v1/greencard/requests", "office", map[string]any{"card_serial": card.Serial,
		"service": "health_check", "description": "办公室代为预约体检"})
	mustStatus(t, byOffice, http.StatusCreated, "office files")
	officeID := strconv.FormatInt(int64(byOffice.json(t)["id"].(float64)), 10)
	byWindow := e.call("POST", "/v1/greencard/requests", "window", map[string]any{"card_serial": card.Serial,
		"service": "health_check", "description": "窗口代为预约体检"})
	mustStatus(t, byWindow, http.StatusCreated, "window files")
	windowID := strconv.FormatInt(int64(byWindow.json(t)["id"].(float64)), 10)

	mustStatus(t, e.call("GET", "/v1/greencard/requests/"+officeID, "window", nil), http.StatusNotFound, "window reads the office's request")
	mustStatus(t, e.call("POST", "/v1/greencard/requests/"+officeID+"/satisfaction", "window", map[string]any{"satisfaction": 5}),
		http.StatusNotFound, "window rates the office's request")
	mustStatus(t, e.call("GET", "/v1/greencard/requests/"+windowID, "window", nil), http.StatusOK, "window reads its own request")
	list := e.call("GET", "/v1/greencard/requests", "window", nil)
	mustStatus(t, list, http.StatusOK, "window lists")
	if strings.Contains(string(list.Body), "办公室代为") || !strings.Contains(string(list.Body), "窗口代为") {
		t.Errorf("window's list: %s", list.Body)
	}
}
