package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"talentd/internal/accounts"
	"talentd/internal/auth"
	"talentd/internal/pgtest"
	"talentd/internal/secrets"
	"talentd/subsidy"
	"talentd/talent"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const testPassword = "test-password-1"

var (
	testHashOnce sync.Once
	testHash     string
)

// sharedHash lets every test account share one argon2 hash, so building an environment is fast.
func sharedHash(t testing.TB) string {
	testHashOnce.Do(func() {
		h, err := accounts.HashPassword(testPassword)
		if err != nil {
			panic(err)
		}
		testHash = h
	})
	return testHash
}

// testEnv is the whole HTTP API on a fresh database: two enterprises X and Y, one account per
// role (the HR account bound to X, plus hrY bound to Y), and an API key for each.
type testEnv struct {
	t      *testing.T
	db     *sqlx.DB
	svc    *services
	srv    *httptest.Server
	entX   talent.Enterprise
	entY   talent.Enterprise
	acct   map[string]auth.Account // by username
	tokens map[string]string       // by username
}

// roleUser names the test account of each role; HR of enterprise X is "hr-x".
var roleUser = map[auth.Role]string{
	auth.RoleAdmin: "admin", auth.RoleTalentOffice: "office", auth.RoleEnterpriseHR: "hr-x",
	auth.RoleServiceWindow: "window", auth.RoleCommissioner: "commissioner",
	auth.RoleHousingOffice: "housing", auth.RoleFinance: "finance",
}

func newTestEnv(t *testing.T) *testEnv { return newTestEnvOn(t, pgtest.New(t)) }

// newTestEnvOn is newTestEnv on a database the test controls (one it can stop, say).
func newTestEnvOn(t *testing.T, db *sqlx.DB) *testEnv {
	t.Helper()
	log := discardLog()
	// The demo's payer, as `serve --demo` configures it, so that the payout runs' files can be made.
	svc, err := newServices(db, testSecrets(), &config{Payer: subsidy.DemoPayer}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.greencard.Close)
	e := &testEnv{t: t, db: db, svc: svc, acct: map[string]auth.Account{}, tokens: map[string]string{}}
	ctx := auth.WithPrincipal(context.Background(), auth.System)
	inputs := talent.DemoEnterpriseInputs()
	if e.entX, err = svc.talent.CreateEnterprise(ctx, inputs[0]); err != nil {
		t.Fatal(err)
	}
	if e.entY, err = svc.talent.CreateEnterprise(ctx, inputs[1]); err != nil {
		t.Fatal(err)
	}
	for role, name := range roleUser {
		var ent *int64
		if role == auth.RoleEnterpriseHR {
			ent = &e.entX.ID
		}
		e.addAccount(name, role, ent)
	}
	e.addAccount("hr-y", auth.RoleEnterpriseHR, &e.entY.ID)
	e.srv = httptest.NewServer(newHTTP(db, svc, log).Handler)
	t.Cleanup(e.srv.Close)
	return e
}

// otherServer is a second talentd server over the environment's database, wired with c, whose
// accounts and tokens are the environment's: a second process, or one configured otherwise.
func (e *testEnv) otherServer(t *testing.T, c *config) *testEnv {
	t.Helper()
	svc, err := newServices(e.db, testSecrets(), c, discardLog())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.greencard.Close)
	other := *e
	other.srv = httptest.NewServer(newHTTP(e.db, svc, discardLog()).Handler)
	t.Cleanup(other.srv.Close)
	return &other
}

func (e *testEnv) addAccount(username string, role auth.Role, ent *int64) {
	e.t.Helper()
	ctx := auth.WithPrincipal(context.Background(), auth.System)
	if _, err := e.svc.accounts.EnsureAccount(ctx, accounts.NewAccount{Username: username, DisplayName: username,
		Role: role, EnterpriseID: ent}, sharedHash(e.t)); err != nil {
		e.t.Fatal(err)
	}
	var a auth.Account
	if err := e.db.Get(&a, `SELECT id, username, display_name, role, enterprise_id, active, version, created_at, updated_at
		FROM accounts WHERE username = $1`, username); err != nil {
		e.t.Fatal(err)
	}
	e.acct[username] = a
	e.tokens[username] = e.newKey(username)
}

// newKey issues a fresh API key for the account (cheap: no password hashing).
func (e *testEnv) newKey(username string) string {
	e.t.Helper()
	ctx := auth.WithPrincipal(context.Background(), auth.System)
	_, token, err := e.svc.accounts.CreateAPIKey(ctx, e.acct[username].ID, "test", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return token
}

// response is a decoded HTTP response.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not a JSON object (%d): %s", r.Status, r.Body)
	}
	return m
}

// call sends a request as the given user ("" for anonymous). body is marshalled unless it is a
// string or []byte, which is sent as is. headers are name, value pairs; Accept-Language is "en"
// unless they name another.
func (e *testEnv) call(method, path, user string, body any, headers ...string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[user])
	}
	req.Header.Set("Accept-Language", "en") // the suite reads English; a test of Chinese passes its own header
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: raw}
}

// mustStatus fails the test unless r has the wanted status.
func mustStatus(t *testing.T, r response, want int, what string) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: status %d, want %d: %s", what, r.Status, want, r.Body)
	}
}

// count returns a single integer from the database.
func (e *testEnv) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.Get(&n, query, args...); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func validEnterpriseBody(i int) map[string]any {
	in := talent.DemoEnterpriseInputs()[10+i]
	return map[string]any{"name": fmt.Sprintf("测试企业%d有限公司", i), "uscc": in.USCC, "industry": "智能装备",
		"contact_phone": "023-41412345"}
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func testSecrets() secrets.Secrets {
	return secrets.Secrets{TokenPepper: []byte("test-pepper-test-pepper-test-pep"),
		EncryptionKey: bytes.Repeat([]byte{1}, 32), IndexKey: bytes.Repeat([]byte{2}, 32)}
}
