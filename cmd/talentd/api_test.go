package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestEnterprises_CreateGetUpdateList(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	body := validEnterpriseBody(1)
	body["uscc"] = strings.ToLower(body["uscc"].(string)) // clerks type lower case; stored upper
	r := e.call("POST", "/v1/enterprises", "office", body)
	mustStatus(t, r, http.StatusCreated, "create")
	created := r.json(t)
	id := int64(created["id"].(float64))
	if created["uscc"] != strings.ToUpper(body["uscc"].(string)) {
		t.Errorf("uscc not normalised: %v", created["uscc"])
	}
	if r.Header.Get("ETag") != `"1"` {
		t.Errorf("create ETag %q", r.Header.Get("ETag"))
	}

	r = e.call("GET", fmt.Sprintf("/v1/enterprises/%d", id), "finance", nil)
	mustStatus(t, r, http.StatusOK, "get")
	tag := r.Header.Get("ETag")

	body["name"] = "改名后的企业有限公司"
	body["key_enterprise"] = true
	r = e.call("PUT", fmt.Sprintf("/v1/enterprises/%d", id), "office", body, "If-Match", tag)
	mustStatus(t, r, http.StatusOK, "update")
	if got := r.json(t); got["name"] != "改名后的企业有限公司" || got["key_enterprise"] != true {
		t.Errorf("update not applied: %v", got)
	}
	if r.Header.Get("ETag") == tag {
		t.Error("ETag must change with the version")
	}

	// The stale ETag is refused and changes nothing.
	body["name"] = "覆盖别人的修改"
	r = e.call("PUT", fmt.Sprintf("/v1/enterprises/%d", id), "office", body, "If-Match", tag)
	mustStatus(t, r, http.StatusPreconditionFailed, "stale update")
	if n := e.count(`SELECT count(*) FROM enterprises WHERE name = '覆盖别人的修改'`); n != 0 {
		t.Error("a stale write changed the row")
	}

	// Listing: filters and cursor pagination over every page.
	r = e.call("GET", "/v1/enterprises?key_enterprise=true", "admin", nil)
	mustStatus(t, r, http.StatusOK, "list key")
	var list struct {
		Items []struct {
			ID            int64 `json:"id"`
			KeyEnterprise bool  `json:"key_enterprise"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	if err := json.Unmarshal(r.Body, &list); err != nil {
		t.Fatal(err)
	}
	for _, it := range list.Items {
		if !it.KeyEnterprise {
			t.Errorf("key_enterprise filter let %d through", it.ID)
		}
	}
	seen := map[int64]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		r = e.call("GET", "/v1/enterprises?limit=1&cursor="+cursor, "admin", nil)
		mustStatus(t, r, http.StatusOK, "page")
		list.NextCursor = ""
		if err := json.Unmarshal(r.Body, &list); err != nil {
			t.Fatal(err)
		}
		for _, it := range list.Items {
			if seen[it.ID] {
				t.Fatalf("enterprise %d listed twice", it.ID)
			}
			seen[it.ID] = true
		}
		if list.NextCursor == "" {
			break
		}
		cursor = list.NextCursor
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
	}
	if len(seen) != 3 {
		t.Errorf("paged through %d enterprises, want 3", len(seen))
	}
	r = e.call("GET", "/v1/enterprises?q="+strings.ReplaceAll("改名后", "", ""), "admin", nil)
	mustStatus(t, r, http.StatusOK, "search")
	if err := json.Unmarshal(r.Body, &list); err != nil || len(list.Items) != 1 || list.Items[0].ID != id {
		t.Errorf("name search: %s", r.Body)
	}
	r = e.call("GET", "/v1/enterprises?q=%25", "admin", nil) // a literal %, not a wildcard
	if err := json.Unmarshal(r.Body, &list); err != nil || len(list.Items) != 0 {
		t.Errorf("%% must match literally: %s", r.Body)
	}

	// A second enterprise with the same credit code is refused.
	r = e.call("POST", "/v1/enterprises", "office", body)
	mustStatus(t, r, http.StatusConflict, "duplicate uscc")
}

// TestScope_HRSeesOnlyItsEnterprise: HR of X can neither read, list nor change Y, and learns
// nothing about Y's existence (404, the same as for an id that does not exist).
func TestScope_HRSeesOnlyItsEnterprise(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	y := strconv.FormatInt(e.entY.ID, 10)
	x := strconv.FormatInt(e.entX.ID, 10)

	mustStatus(t, e.call("GET", "/v1/enterprises/"+x, "hr-x", nil), http.StatusOK, "own enterprise")
	other := e.call("GET", "/v1/enterprises/"+y, "hr-x", nil)
	mustStatus(t, other, http.StatusNotFound, "other enterprise")
	missing := e.call("GET", "/v1/enterprises/999999", "hr-x", nil)
	if other.json(t)["detail"] != missing.json(t)["detail"] {
		t.Error("another enterprise's object must look exactly like a missing one")
	}

	r := e.call("GET", "/v1/enterprises?q="+e.entY.USCC, "hr-x", nil)
	mustStatus(t, r, http.StatusOK, "list")
	var list struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	_ = json.Unmarshal(r.Body, &list)
	if len(list.Items) != 0 {
		t.Errorf("HR of X found Y by its credit code: %s", r.Body)
	}
	r = e.call("GET", "/v1/enterprises", "hr-x", nil)
	_ = json.Unmarshal(r.Body, &list)
	if len(list.Items) != 1 || list.Items[0].ID != e.entX.ID {
		t.Errorf("HR of X lists %s", r.Body)
	}

	before := e.count(`SELECT version FROM enterprises WHERE id = $1`, e.entY.ID)
	body := validEnterpriseBody(2)
	r = e.call("PUT", "/v1/enterprises/"+y, "hr-x", body)
	if r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
		t.Errorf("HR changing Y: %d", r.Status)
	}
	if after := e.count(`SELECT version FROM enterprises WHERE id = $1`, e.entY.ID); after != before {
		t.Error("HR of X changed Y")
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE actor_username = 'hr-x'`); n != 0 {
		t.Errorf("HR of X left %d audit records", n)
	}
}

// TestAudit_EachMutationOneRecord checks that every state change leaves exactly one audit record
// naming the actor, with the before and after state, and that secrets never reach the log.
func TestAudit_EachMutationOneRecord(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	base := e.count(`SELECT count(*) FROM audit_log`)
	type step struct {
		action string
		do     func() response
		want   int
	}
	var entID, acctID, keyID string
	steps := []step{
		{"enterprise.create", func() response {
			r := e.call("POST", "/v1/enterprises", "office", validEnterpriseBody(3))
			entID = fmt.Sprint(int64(r.json(t)["id"].(float64)))
			return r
		}, http.StatusCreated},
		{"enterprise.update", func() response {
			b := validEnterpriseBody(3)
			b["address"] = "重庆市璧山区璧泉街道1号"
			return e.call("PUT", "/v1/enterprises/"+entID, "office", b)
		}, http.StatusOK},
		{"account.create", func() response {
			r := e.call("POST", "/v1/accounts", "admin", map[string]any{"username": "new-clerk", "display_name": "新职员",
				"password": "a-long-password", "role": "service_window"})
			acctID = fmt.Sprint(int64(r.json(t)["id"].(float64)))
			return r
		}, http.StatusCreated},
		{"account.update", func() response {
			return e.call("PUT", "/v1/accounts/"+acctID, "admin", map[string]any{"display_name": "新职员（窗口）",
				"role": "service_window", "active": true})
		}, http.StatusOK},
		{"account.set_password", func() response {
			return e.call("POST", "/v1/accounts/"+acctID+"/password", "admin", map[string]any{"password": "another-password"})
		}, http.StatusNoContent},
		{"api_key.create", func() response {
			r := e.call("POST", "/v1/accounts/"+acctID+"/api-keys", "admin", map[string]any{"name": "terminal"})
			keyID = fmt.Sprint(int64(r.json(t)["id"].(float64)))
			return r
		}, http.StatusCreated},
		{"api_key.revoke", func() response {
			return e.call("DELETE", "/v1/accounts/"+acctID+"/api-keys/"+keyID, "admin", nil)
		}, http.StatusNoContent},
	}
	for i, s := range steps {
		r := s.do()
		mustStatus(t, r, s.want, s.action)
		if n := e.count(`SELECT count(*) FROM audit_log`); n != base+i+1 {
			t.Fatalf("%s: %d audit records after it, want %d", s.action, n, base+i+1)
		}
		var rec struct {
			Action    string  `db:"action"`
			Actor     string  `db:"actor_username"`
			ActorRole string  `db:"actor_role"`
			RequestID string  `db:"request_id"`
			Before    *string `db:"before"`
			After     *string `db:"after"`
		}
		if err := e.db.Get(&rec, `SELECT action, actor_username, actor_role, request_id, before::text, after::text
			FROM audit_log ORDER BY id DESC LIMIT 1`); err != nil {
			t.Fatal(err)
		}
		wantActor := map[bool]string{true: "office", false: "admin"}[strings.HasPrefix(s.action, "enterprise")]
		if rec.Action != s.action || rec.Actor != wantActor || rec.RequestID == "" {
			t.Errorf("%s: recorded %+v", s.action, rec)
		}
		for _, doc := range []*string{rec.Before, rec.After} {
			if doc != nil && (strings.Contains(*doc, "password") || strings.Contains(*doc, "token")) {
				t.Errorf("%s: a secret reached the audit log: %s", s.action, *doc)
			}
		}
		if s.action == "enterprise.update" {
			if rec.Before == nil || rec.After == nil || strings.Contains(*rec.Before, "璧泉街道1号") ||
				!strings.Contains(*rec.After, "璧泉街道1号") {
				t.Errorf("update diff wrong: before %v after %v", rec.Before, rec.After)
			}
		}
	}

	// The log is visible to the talent office, filtered by entity.
	r := e.call("GET", "/v1/audit?entity_type=enterprise&entity_id="+entID, "office", nil)
	mustStatus(t, r, http.StatusOK, "list audit")
	var list struct {
		Items []struct {
			Action string `json:"action"`
		} `json:"items"`
	}
	_ = json.Unmarshal(r.Body, &list)
	if len(list.Items) != 2 || list.Items[0].Action != "enterprise.update" {
		t.Errorf("audit listing: %s", r.Body)
	}

	// Append-only, enforced by the database itself.
	if _, err := e.db.Exec(`UPDATE audit_log SET action = 'forged'`); err == nil {
		t.Error("UPDATE of audit_log succeeded")
	}
	if _, err := e.db.Exec(`DELETE FROM audit_log`); err == nil {
		t.Error("DELETE from audit_log succeeded")
	}
	if _, err := e.db.Exec(`TRUNCATE audit_log`); err == nil {
		t.Error("TRUNCATE of audit_log succeeded")
	}
}

// TestBadInput: every malformed request gets a 4xx problem+json and writes nothing.
func TestBadInput(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	good := validEnterpriseBody(4)
	withField := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range good {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	badUSCC := []byte(good["uscc"].(string))
	badUSCC[17] = map[bool]byte{true: '0', false: '1'}[badUSCC[17] != '0']
	cases := []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"malformed JSON", `{"name": "x",`, http.StatusBadRequest, ""},
		{"not an object", `[1,2,3]`, http.StatusUnprocessableEntity, ""},
		{"wrong type", withField("key_enterprise", "yes"), http.StatusUnprocessableEntity, "body.key_enterprise"},
		{"unknown field", withField("grade", "A"), http.StatusUnprocessableEntity, "body.grade"},
		{"missing name", withField("name", ""), http.StatusUnprocessableEntity, "body.name"},
		{"bad checksum", withField("uscc", string(badUSCC)), http.StatusUnprocessableEntity, "body.uscc"},
		{"forbidden letter", withField("uscc", "91500120MA5UIXXX1K"), http.StatusUnprocessableEntity, "body.uscc"},
		{"bad phone", withField("contact_phone", "12345"), http.StatusUnprocessableEntity, "body.contact_phone"},
		{"oversized body", withField("address", strings.Repeat("璧", 30_000)), http.StatusRequestEntityTooLarge, ""},
	}
	enterprises := e.count(`SELECT count(*) FROM enterprises`)
	audits := e.count(`SELECT count(*) FROM audit_log`)
	for _, c := range cases {
		r := e.call("POST", "/v1/enterprises", "office", c.body)
		if r.Status != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, r.Status, c.status, r.Body)
			continue
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s: content type %q", c.name, ct)
		}
		p := r.json(t)
		if p["status"] != float64(c.status) || p["request_id"] == "" {
			t.Errorf("%s: not a problem document: %s", c.name, r.Body)
		}
		if c.field != "" && !strings.Contains(string(r.Body), `"location":"`+c.field+`"`) {
			t.Errorf("%s: no detail for %s: %s", c.name, c.field, r.Body)
		}
	}
	if n := e.count(`SELECT count(*) FROM enterprises`); n != enterprises {
		t.Errorf("bad input wrote %d enterprises", n-enterprises)
	}
	if n := e.count(`SELECT count(*) FROM audit_log`); n != audits {
		t.Errorf("bad input wrote %d audit records", n-audits)
	}

	// Query and path parameters too.
	for path, want := range map[string]int{
		"/v1/enterprises?limit=0":            http.StatusUnprocessableEntity,
		"/v1/enterprises?limit=abc":          http.StatusUnprocessableEntity,
		"/v1/enterprises?cursor=not-ours":    http.StatusBadRequest,
		"/v1/enterprises?key_enterprise=yes": http.StatusUnprocessableEntity,
		"/v1/enterprises/abc":                http.StatusUnprocessableEntity,
		"/v1/enterprises/0":                  http.StatusUnprocessableEntity,
		"/v1/audit?from=yesterday":           http.StatusUnprocessableEntity,
	} {
		if r := e.call("GET", path, "admin", nil); r.Status != want {
			t.Errorf("GET %s: %d, want %d: %s", path, r.Status, want, r.Body)
		}
	}
	// A password never comes back in an error.
	r := e.call("POST", "/v1/accounts", "admin", map[string]any{"username": "x", "display_name": "x",
		"password": "short-pw", "role": "admin"})
	if r.Status != http.StatusUnprocessableEntity || strings.Contains(string(r.Body), "short-pw") {
		t.Errorf("password echoed or wrong status %d: %s", r.Status, r.Body)
	}
}

func TestAccounts_LoginLogoutDisable(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	login := func(user, pw string, headers ...string) response {
		return e.call("POST", "/v1/auth/login", "", map[string]any{"username": user, "password": pw}, headers...)
	}
	r := login("window", testPassword)
	mustStatus(t, r, http.StatusOK, "login")
	token := r.json(t)["token"].(string)
	exp, err := time.Parse(time.RFC3339, r.json(t)["expires_at"].(string))
	if err != nil || exp.Before(time.Now().Add(11*time.Hour)) {
		t.Errorf("expires_at %v", r.json(t)["expires_at"])
	}
	e.tokens["session"] = token
	me := e.call("GET", "/v1/auth/me", "session", nil)
	mustStatus(t, me, http.StatusOK, "me")
	if me.json(t)["username"] != "window" {
		t.Errorf("me: %s", me.Body)
	}
	if n := e.count(`SELECT count(*) FROM auth_tokens WHERE token_hash = $1`, []byte(token)); n != 0 {
		t.Error("the token is stored in plain")
	}
	mustStatus(t, e.call("POST", "/v1/auth/logout", "session", nil), http.StatusNoContent, "logout")
	mustStatus(t, e.call("GET", "/v1/auth/me", "session", nil), http.StatusUnauthorized, "after logout")

	// Wrong passwords and unknown users look the same.
	a, b := login("window", "wrong-password"), login("nobody-here", "wrong-password")
	mustStatus(t, a, http.StatusUnauthorized, "wrong password")
	if a.json(t)["detail"] != b.json(t)["detail"] || b.Status != a.Status {
		t.Error("unknown user distinguishable from wrong password")
	}

	// An expired session stops working.
	r = login("finance", testPassword)
	e.tokens["expiring"] = r.json(t)["token"].(string)
	if _, err := e.db.Exec(`UPDATE auth_tokens SET expires_at = now() - interval '1 second' WHERE kind = 'session'`); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, e.call("GET", "/v1/auth/me", "expiring", nil), http.StatusUnauthorized, "expired session")

	// Disabling an account ends its sessions and API keys at once.
	mustStatus(t, e.call("GET", "/v1/auth/me", "housing", nil), http.StatusOK, "before disable")
	id := strconv.FormatInt(e.acct["housing"].ID, 10)
	got := e.call("GET", "/v1/accounts/"+id, "admin", nil)
	r = e.call("PUT", "/v1/accounts/"+id, "admin", map[string]any{"display_name": "housing", "role": "housing_office",
		"active": false}, "If-Match", got.Header.Get("ETag"))
	mustStatus(t, r, http.StatusOK, "disable")
	mustStatus(t, e.call("GET", "/v1/auth/me", "housing", nil), http.StatusUnauthorized, "disabled API key")
	mustStatus(t, login("housing", testPassword), http.StatusUnauthorized, "disabled login")

	// An admin cannot lock themselves out.
	adminID := strconv.FormatInt(e.acct["admin"].ID, 10)
	r = e.call("PUT", "/v1/accounts/"+adminID, "admin", map[string]any{"display_name": "admin", "role": "admin", "active": false})
	mustStatus(t, r, http.StatusConflict, "self disable")

	// HR accounts need an enterprise; others must not have one.
	r = e.call("POST", "/v1/accounts", "admin", map[string]any{"username": "hr-new", "display_name": "HR",
		"password": "a-long-password", "role": "enterprise_hr"})
	mustStatus(t, r, http.StatusUnprocessableEntity, "hr without enterprise")
	r = e.call("POST", "/v1/accounts", "admin", map[string]any{"username": "hr-new", "display_name": "HR",
		"password": "a-long-password", "role": "enterprise_hr", "enterprise_id": 999999})
	mustStatus(t, r, http.StatusUnprocessableEntity, "hr with unknown enterprise")
	r = e.call("POST", "/v1/accounts", "admin", map[string]any{"username": "window", "display_name": "dup",
		"password": "a-long-password", "role": "finance"})
	mustStatus(t, r, http.StatusConflict, "duplicate username")
}

func TestLogin_Throttled(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	login := func(user, pw string) response {
		return e.call("POST", "/v1/auth/login", "", map[string]any{"username": user, "password": pw})
	}
	for i := range 5 {
		mustStatus(t, login("office", "guess-"+strconv.Itoa(i)), http.StatusUnauthorized, "guess")
	}
	r := login("office", testPassword)
	mustStatus(t, r, http.StatusTooManyRequests, "after 5 failures even the right password waits")
	if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 900 {
		t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	// Per address: spraying many usernames from one address (past the hundred an office NAT is
	// allowed) slows its sign-ins to accounts it has not signed in to before.
	for i := range 100 {
		login(fmt.Sprintf("user-%02d", i), "guess")
	}
	mustStatus(t, login("finance", testPassword), http.StatusTooManyRequests, "address throttled")
}
