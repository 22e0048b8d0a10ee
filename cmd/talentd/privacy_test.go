package main

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"talentd/internal/auth"
	"talentd/talent"
)

// readerUsers are the test accounts of every role that reads talent records, plus the window.
var readerUsers = []string{"admin", "office", "hr-x", "commissioner", "housing", "finance", "window"}

// everythingSeenBy gathers every response a role gets about one talent: the record, the listing,
// the history, the export, the card and a verification of it.
func everythingSeenBy(t *testing.T, e *testEnv, user string, id int64) string {
	t.Helper()
	sid := strconv.FormatInt(id, 10)
	var all strings.Builder
	for _, path := range []string{"/v1/talents/" + sid, "/v1/talents?limit=500", "/v1/talents/" + sid + "/history",
		"/v1/talents/export?format=csv", "/v1/talents/export?format=csv&encoding=gbk", "/v1/talents/" + sid + "/card",
		"/v1/talents/" + sid + "/service-uses", "/v1/greencard/requests"} {
		r := e.call("GET", path, user, nil)
		if r.Status >= 500 {
			t.Fatalf("%s as %s: %d %s", path, user, r.Status, r.Body)
		}
		all.Write(r.Body)
		all.WriteByte('\n')
	}
	card := e.call("GET", "/v1/talents/"+sid+"/card", "office", nil)
	var c struct {
		Token string `json:"token"`
	}
	_ = json.Unmarshal(card.Body, &c)
	if c.Token != "" {
		r := e.call("POST", "/v1/greencard/verify", user, map[string]any{"token": c.Token, "window": "1号窗口"})
		all.Write(r.Body)
	}
	return all.String()
}

var datePattern = regexp.MustCompile(`(\d{4})-?(\d{2})-?(\d{2})`)

// TestPrivacy_MaskedNumbersCannotBeRebuilt: a role that reads identity numbers masked must not
// find, anywhere in what it is given, what the mask hides (the birth date): a program that combines
// the masked number with every date it sees must never rebuild the real number.
func TestPrivacy_MaskedNumbersCannotBeRebuilt(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	body := newTalentBody(talent.GradeC)
	real := body["id_number"].(string)
	reg := e.registered(t, body)
	for _, user := range readerUsers {
		role := e.acct[user].Role
		seen := everythingSeenBy(t, e, user, reg.ID)
		if talent.SeesFullIDNumbers(role) {
			if !strings.Contains(seen, real) {
				t.Errorf("%s should see the whole number", role)
			}
			continue
		}
		if strings.Contains(seen, real) {
			t.Errorf("%s sees the whole identity number", role)
		}
		for _, m := range datePattern.FindAllStringSubmatch(seen, -1) {
			if candidate := real[:6] + m[1] + m[2] + m[3] + real[14:]; candidate == real {
				t.Errorf("%s can rebuild the identity number from the date %q it is shown", role, m[0])
				break
			}
		}
	}
}

// TestPrivacy_FieldTable checks each role's view of a record against the one table of the code.
func TestPrivacy_FieldTable(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	body := newTalentBody(talent.GradeC)
	body["notes"], body["email"], body["mobile"] = "内部备注", "a@example.com", "13812345678"
	reg := e.registered(t, body)
	sid := strconv.FormatInt(reg.ID, 10)
	for _, user := range readerUsers {
		role := e.acct[user].Role
		fields := talent.TalentFieldsOf(role)
		r := e.call("GET", "/v1/talents/"+sid, user, nil)
		if role == auth.RoleServiceWindow {
			if r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
				t.Errorf("window reads the registry: %d", r.Status)
			}
			continue
		}
		mustStatus(t, r, http.StatusOK, "get as "+user)
		v := r.json(t)
		has := func(k string) bool { x, ok := v[k]; return ok && x != nil && x != "" }
		for k, want := range map[string]bool{"birth_date": fields.BirthDate, "mobile": fields.Contact,
			"email": fields.Contact, "annual_salary_fen": fields.Salary, "notes": fields.Notes} {
			if has(k) != want {
				t.Errorf("%s: %s shown = %v, the table says %v", role, k, has(k), want)
			}
		}
		if !has("birth_year") {
			t.Errorf("%s: no birth_year", role)
		}
		exp := e.call("GET", "/v1/talents/export?format=csv", user, nil)
		if fields.Export != (exp.Status == http.StatusOK) {
			t.Errorf("%s: export answered %d, the table says export=%v", role, exp.Status, fields.Export)
		}
		if exp.Status == http.StatusOK && !fields.Contact && strings.Contains(string(exp.Body), "13812345678") {
			t.Errorf("%s: the export carries the mobile", role)
		}
	}
}

// TestPrivacy_ExportAuditAndIDSearch: exports with whole numbers are audited with who, the filter
// and the row count (masked ones need not be); a search by whole number is only for the roles that
// read whole numbers, since it would confirm guesses at the hidden digits.
func TestPrivacy_ExportAuditAndIDSearch(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	body := newTalentBody(talent.GradeC)
	e.registered(t, body)
	e.registered(t, newTalentBody(talent.GradeD))

	mustStatus(t, e.call("GET", "/v1/talents/export?format=csv&status=registered", "office", nil), http.StatusOK, "office export")
	var after string
	if err := e.db.Get(&after, `SELECT after::text FROM audit_log WHERE action = 'talent.export' AND actor_username = 'office'`); err != nil {
		t.Fatalf("no audit record of the office's export: %v", err)
	}
	if !strings.Contains(after, `"rows": 2`) || !strings.Contains(after, `"status": "registered"`) {
		t.Errorf("export audit record: %s", after)
	}
	mustStatus(t, e.call("GET", "/v1/talents/export?format=csv&q="+body["id_number"].(string), "admin", nil), http.StatusOK, "admin export by number")
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'talent.export' AND after::text LIKE '%' || $1 || '%'`, body["id_number"]); n != 0 {
		t.Error("the audit record of an export names the identity number searched for")
	}
	mustStatus(t, e.call("GET", "/v1/talents/export?format=csv", "hr-x", nil), http.StatusOK, "hr export")
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'talent.export' AND actor_username = 'hr-x'`); n != 0 {
		t.Errorf("a masked export was audited %d times", n)
	}

	r := e.call("GET", "/v1/talents?q="+body["id_number"].(string), "hr-x", nil)
	mustStatus(t, r, http.StatusUnprocessableEntity, "HR searching by identity number")
	r = e.call("GET", "/v1/talents?q="+body["id_number"].(string), "office", nil)
	mustStatus(t, r, http.StatusOK, "office searching by identity number")
	if items, _ := r.json(t)["items"].([]any); len(items) != 1 {
		t.Errorf("office search by number found %d", len(items))
	}
}
