package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"talentd/internal/accounts"
	"talentd/internal/pgtest"
)

func (e *testEnv) login(user, pw string) response {
	e.t.Helper()
	return e.call("POST", "/v1/auth/login", "", map[string]any{"username": user, "password": pw})
}

// sessionAs signs user in with the test password and registers the session token under name.
func (e *testEnv) sessionAs(user, name string) {
	e.t.Helper()
	r := e.login(user, testPassword)
	mustStatus(e.t, r, http.StatusOK, "login "+user)
	e.tokens[name] = r.json(e.t)["token"].(string)
}

// fieldErrors returns a problem's field errors as location → message.
func fieldErrors(t *testing.T, r response) map[string]string {
	t.Helper()
	out := map[string]string{}
	list, _ := r.json(t)["errors"].([]any)
	for _, item := range list {
		m, _ := item.(map[string]any)
		loc, _ := m["location"].(string)
		msg, _ := m["message"].(string)
		out[loc] = msg
	}
	return out
}

func mustRetryAfter(t *testing.T, r response, what string) {
	t.Helper()
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("%s: Retry-After %q", what, r.Header.Get("Retry-After"))
	}
}

// Forty simultaneous logins on one account from one address, 39 of them wrong: at most five are
// checked, and the right password that follows is refused while the lock holds.
func TestLoginHardening_ParallelGuesses(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for i := range 39 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.login("office", fmt.Sprintf("wrong-guess-%02d", i))
			mu.Lock()
			statuses[r.Status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if statuses[http.StatusUnauthorized] > 5 || statuses[http.StatusUnauthorized]+statuses[http.StatusTooManyRequests] != 39 {
		t.Errorf("39 parallel wrong logins answered %v; at most 5 may be checked", statuses)
	}
	r := e.login("office", testPassword)
	mustStatus(t, r, http.StatusTooManyRequests, "the right password while locked")
	mustRetryAfter(t, r, "locked")
}

// Everyone in an office behind one NAT address signs in, typos and a colleague's guessing
// notwithstanding (every test request comes from one loopback address).
func TestLoginHardening_OfficeNAT(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	for i := range 25 {
		user := fmt.Sprintf("clerk-%02d", i)
		e.addAccount(user, "service_window", nil)
		mustStatus(t, e.login(user, "typo-"+user), http.StatusUnauthorized, "typo")
		e.login(fmt.Sprintf("no-such-user-%02d", i), "guess-password")
		mustStatus(t, e.login(user, testPassword), http.StatusOK, fmt.Sprintf("%s after %d failures from the address", user, 2*i+1))
	}
}

// An admin clears a lock through the API; the unlock is audited and admin-only.
func TestLoginHardening_AdminUnlock(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	for i := range 6 {
		e.login("finance", "wrong-"+strconv.Itoa(i))
	}
	mustStatus(t, e.login("finance", testPassword), http.StatusTooManyRequests, "locked")
	path := "/v1/accounts/" + strconv.FormatInt(e.acct["finance"].ID, 10) + "/unlock"
	mustStatus(t, e.call("POST", path, "office", nil), http.StatusForbidden, "unlock by the talent office")
	mustStatus(t, e.call("POST", "/v1/accounts/999999/unlock", "admin", nil), http.StatusNotFound, "unlock of no account")
	mustStatus(t, e.call("POST", path, "admin", nil), http.StatusNoContent, "unlock")
	mustStatus(t, e.login("finance", testPassword), http.StatusOK, "login after unlock")
	r := e.call("GET", "/v1/audit?action=account.unlock", "admin", nil)
	mustStatus(t, r, http.StatusOK, "audit")
	if items, _ := r.json(t)["items"].([]any); len(items) != 1 {
		t.Errorf("audit records of the unlock: %s", r.Body)
	}
	var doc bytes.Buffer
	if err := run(context.Background(), []string{"talentd", "openapi"}, func(string) string { return "" }, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(doc.String(), `"operationId":"unlock-account"`) && !strings.Contains(doc.String(), `"operationId": "unlock-account"`) {
		t.Error("unlock-account is not in the OpenAPI document")
	}
}

// The current-password check of a password change is throttled like a login.
func TestLoginHardening_PasswordChangeThrottled(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.sessionAs("window", "thief")
	for i := range 5 {
		r := e.call("POST", "/v1/auth/password", "thief", map[string]any{"current_password": "guess-" + strconv.Itoa(i),
			"new_password": "a-new-long-passphrase"})
		mustStatus(t, r, http.StatusUnprocessableEntity, "wrong current password")
	}
	r := e.call("POST", "/v1/auth/password", "thief", map[string]any{"current_password": testPassword,
		"new_password": "a-new-long-passphrase"})
	mustStatus(t, r, http.StatusTooManyRequests, "the right current password after five wrong ones")
	mustRetryAfter(t, r, "password change")
}

// Weak passwords are refused with the reason on the password field: account creation (API and
// command line), an admin's reset, and changing one's own.
func TestLoginHardening_WeakPasswords(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	for pw, why := range map[string]string{"aaaaaaaaaa": "one character", "1234567890": "sequence",
		"password12": "common", "          ": "spaces", "newbie-2026-ok": "username"} {
		r := e.call("POST", "/v1/accounts", "admin", map[string]any{"username": "newbie", "display_name": "新人",
			"password": pw, "role": "service_window"})
		mustStatus(t, r, http.StatusUnprocessableEntity, fmt.Sprintf("create with %q", pw))
		if msg := fieldErrors(t, r)["body.password"]; !strings.Contains(msg, why) {
			t.Errorf("create with %q: %s", pw, r.Body)
		}
	}
	r := e.call("POST", "/v1/accounts", "admin", map[string]any{"username": "newbie", "display_name": "新人",
		"password": DemoPassword, "role": "service_window"})
	mustStatus(t, r, http.StatusCreated, "the demo password")

	id := strconv.FormatInt(e.acct["housing"].ID, 10)
	r = e.call("POST", "/v1/accounts/"+id+"/password", "admin", map[string]any{"password": "qwertyuiop"})
	mustStatus(t, r, http.StatusUnprocessableEntity, "admin reset to a keyboard row")
	if msg := fieldErrors(t, r)["body.password"]; !strings.Contains(msg, "keyboard") {
		t.Errorf("reset: %s", r.Body)
	}
	e.sessionAs("window", "me")
	r = e.call("POST", "/v1/auth/password", "me", map[string]any{"current_password": testPassword, "new_password": "iloveyou1314"})
	mustStatus(t, r, http.StatusUnprocessableEntity, "change to a common password")
	if msg := fieldErrors(t, r)["body.new_password"]; !strings.Contains(msg, "common") {
		t.Errorf("change: %s", r.Body)
	}

	cliEnv := env(map[string]string{"TALENTD_DATABASE_URL": pgtest.NewURL(t), "TALENTD_DATA_DIR": t.TempDir(),
		"TALENTD_LOG_LEVEL": "error", "TALENTD_NEW_PASSWORD": "abcdefghijkl"})
	var out bytes.Buffer
	err := run(context.Background(), []string{"talentd", "accounts", "create", "--username", "ops", "--role", "admin"}, cliEnv, &out)
	if err == nil || !strings.Contains(err.Error(), "sequence") {
		t.Errorf("accounts create with a sequence: %v", err)
	}
}

// Logging out, changing one's password, disabling an account and revoking a key take effect on the
// very next request, although the principal was cached.
func TestLoginHardening_RevocationBeatsCache(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	me := func(name string) int { return e.call("GET", "/v1/auth/me", name, nil).Status }

	e.sessionAs("window", "s1")
	mustStatus(t, e.call("GET", "/v1/auth/me", "s1", nil), http.StatusOK, "cached")
	mustStatus(t, e.call("POST", "/v1/auth/logout", "s1", nil), http.StatusNoContent, "logout")
	if s := me("s1"); s != http.StatusUnauthorized {
		t.Errorf("after logout: %d", s)
	}

	e.sessionAs("window", "s2")
	e.sessionAs("window", "s3")
	me("s2")
	r := e.call("POST", "/v1/auth/password", "s3", map[string]any{"current_password": testPassword, "new_password": "a-fresh-passphrase"})
	mustStatus(t, r, http.StatusNoContent, "change password")
	if s := me("s2"); s != http.StatusUnauthorized {
		t.Errorf("other session after a password change: %d", s)
	}

	me("housing")
	id := strconv.FormatInt(e.acct["housing"].ID, 10)
	r = e.call("PUT", "/v1/accounts/"+id, "admin", map[string]any{"display_name": "housing", "role": "housing_office", "active": false})
	mustStatus(t, r, http.StatusOK, "disable")
	if s := me("housing"); s != http.StatusUnauthorized {
		t.Errorf("disabled account's key: %d", s)
	}

	me("finance")
	r = e.call("GET", "/v1/accounts/"+strconv.FormatInt(e.acct["finance"].ID, 10)+"/api-keys", "admin", nil)
	items, _ := r.json(t)["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("keys: %s", r.Body)
	}
	keyID := strconv.FormatInt(int64(items[0].(map[string]any)["id"].(float64)), 10)
	r = e.call("DELETE", "/v1/accounts/"+strconv.FormatInt(e.acct["finance"].ID, 10)+"/api-keys/"+keyID, "admin", nil)
	mustStatus(t, r, http.StatusNoContent, "revoke")
	if s := me("finance"); s != http.StatusUnauthorized {
		t.Errorf("revoked key: %d", s)
	}
}

// A session stops working when it expires, although its principal is cached for longer.
func TestLoginHardening_SessionExpiryBeatsCache(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	var mu sync.Mutex
	clock := time.Now().UTC()
	now := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return clock
	}
	e.svc.accounts = accounts.NewService(e.db, accounts.Options{Pepper: testSecrets().TokenPepper,
		SessionTTL: 3 * time.Second, PrincipalTTL: time.Minute, Now: now, Logger: discardLog()})
	e.srv.Close()
	e.srv = httptest.NewServer(newHTTP(e.db, e.svc, discardLog()).Handler)
	t.Cleanup(e.srv.Close)

	e.sessionAs("commissioner", "short")
	mustStatus(t, e.call("GET", "/v1/auth/me", "short", nil), http.StatusOK, "fresh session")
	mu.Lock()
	clock = clock.Add(3 * time.Second)
	mu.Unlock()
	mustStatus(t, e.call("GET", "/v1/auth/me", "short", nil), http.StatusUnauthorized, "expired session")
}
