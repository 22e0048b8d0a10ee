package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"talentd/internal/postgres"
	"talentd/migrations"
	"talentd/talent"
)

// outageCall is one operation of the spread an outage must answer 503 and recovery must serve.
type outageCall struct {
	name, method, path, user string
	body                     func(round int) any
	ok                       int
}

// TestOutage_DatabaseDown serves the whole API over a private cluster, takes the database away in
// the ways it goes away — stopped under open connections (the pool's connections go bad), its
// socket gone, a stale socket nobody listens on (connection refused) — and checks that every kind
// of operation answers 503 problem+json with Retry-After and nothing of the cause, that /readyz
// is 503, and that the same server serves again once the database is back, without being rebuilt.
func TestOutage_DatabaseDown(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and stops a PostgreSQL cluster")
	}
	if _, err := postgres.FindBinaries(); err != nil && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	t.Parallel()
	ctx := context.Background()
	dir := reachableTempDir(t)
	cl, err := postgres.StartCluster(ctx, dir, "talentd", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.Stop(context.Background()) })
	db, err := postgres.Open(ctx, cl.URL(), postgres.PoolConfig{MaxOpenConns: 8, MaxIdleConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := migrations.Up(ctx, db.DB, nil); err != nil {
		t.Fatal(err)
	}
	e := newTestEnvOn(t, db)
	card, r := e.cardOf(t, e.registered(t, newTalentBody(talent.GradeB)).ID, "hr-x")
	mustStatus(t, r, http.StatusOK, "card")
	// A key never used before the outage: authenticating it must reach the database.
	e.tokens["unseen"] = e.newKey("office")

	calls := []outageCall{
		{"login", "POST", "/v1/auth/login", "", func(int) any {
			return map[string]any{"username": "admin", "password": testPassword}
		}, http.StatusOK},
		{"get", "GET", "/v1/enterprises/" + strconv.FormatInt(e.entX.ID, 10), "office", nil, http.StatusOK},
		{"get-unseen-token", "GET", "/v1/enterprises/" + strconv.FormatInt(e.entY.ID, 10), "unseen", nil, http.StatusOK},
		{"create", "POST", "/v1/enterprises", "office", func(round int) any { return validEnterpriseBody(round) }, http.StatusCreated},
		{"list", "GET", "/v1/talents?status=registered", "office", nil, http.StatusOK},
		{"verify", "POST", "/v1/greencard/verify", "window", func(int) any {
			return map[string]any{"token": card.Token, "window": "3号窗口"}
		}, http.StatusOK},
	}
	round := 0
	spread := func(t *testing.T, down bool) {
		t.Helper()
		round++
		for _, c := range calls {
			var body any
			if c.body != nil {
				body = c.body(round)
			}
			r := e.call(c.method, c.path, c.user, body)
			if !down {
				mustStatus(t, r, c.ok, c.name)
				if c.name == "verify" && !strings.Contains(string(r.Body), `"valid":true`) {
					t.Errorf("verify after recovery: %s", r.Body)
				}
				continue
			}
			mustBeUnavailable(t, c.name, r)
		}
		ready := e.call("GET", "/readyz", "", nil)
		if want := map[bool]int{true: 503, false: 200}[down]; ready.Status != want {
			t.Errorf("/readyz: %d, want %d", ready.Status, want)
		}
	}

	spread(t, false) // also leaves connections in the pool, which the stop turns bad
	sock := socketPath(t, cl.URL())

	t.Run("StoppedUnderOpenConnections", func(t *testing.T) {
		if err := cl.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		spread(t, true)
		if _, err := os.Stat(sock); !os.IsNotExist(err) {
			t.Fatalf("socket %s still there after stop: %v", sock, err)
		}
		spread(t, true) // now every connection is a fresh dial to a missing socket
	})
	t.Run("ConnectionRefused", func(t *testing.T) {
		// What a crashed server leaves: the socket file, with nobody listening on it.
		ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
		if err != nil {
			t.Fatal(err)
		}
		ln.SetUnlinkOnClose(false)
		ln.Close()
		spread(t, true)
		if err := os.Remove(sock); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Recovered", func(t *testing.T) {
		cl, err = postgres.StartCluster(ctx, dir, "talentd", nil)
		if err != nil {
			t.Fatal(err)
		}
		spread(t, false)
	})
	t.Run("RestartedWhileIdle", func(t *testing.T) {
		// A restart no request noticed leaves only dead connections in the pool: they must not
		// cost anyone an error.
		spread(t, false)
		if err := cl.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if cl, err = postgres.StartCluster(ctx, dir, "talentd", nil); err != nil {
			t.Fatal(err)
		}
		spread(t, false)
	})
}

// mustBeUnavailable asserts a 503 problem with a Retry-After and a generic message.
func mustBeUnavailable(t *testing.T, what string, r response) {
	t.Helper()
	if r.Status != http.StatusServiceUnavailable {
		t.Errorf("%s: status %d, want 503: %s", what, r.Status, r.Body)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: Content-Type %q", what, ct)
	}
	if n, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || n <= 0 {
		t.Errorf("%s: Retry-After %q", what, r.Header.Get("Retry-After"))
	}
	var p struct {
		Detail    string `json:"detail"`
		RequestID string `json:"request_id"`
	}
	if err := json.Unmarshal(r.Body, &p); err != nil || p.Detail == "" || p.RequestID == "" {
		t.Errorf("%s: problem %s", what, r.Body)
	}
	for _, leak := range []string{"dial", "PGSQL", "pq:", "sql:", "bad connection", "refused", "no such file", "reset"} {
		if strings.Contains(string(r.Body), leak) {
			t.Errorf("%s: the problem leaks %q: %s", what, leak, r.Body)
		}
	}
}

// socketPath is the unix socket a cluster URL (host=dir&port=n) connects to.
func socketPath(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	return filepath.Join(q.Get("host"), fmt.Sprintf(".s.PGSQL.%s", q.Get("port")))
}
