package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"talentd/internal/pgtest"
	"talentd/internal/postgres"
	"talentd/talent"
)

// seededTables are counted to compare one demo seed with two run at once.
var seededTables = []string{"enterprises", "accounts", "talents", "grade_decisions", "talent_events", "signing_keys",
	"cards", "card_versions", "service_uses", "agent_requests", "agent_request_notes", "audit_log"}

func tableCounts(t *testing.T, db interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range seededTables {
		var n int
		if err := db.QueryRowContext(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

// TestSeedDemo_Concurrent: two processes seeding one fresh database at once (two `serve --demo`
// started together) both succeed, and the database holds exactly what one seed writes.
func TestSeedDemo_Concurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds the demo district three times")
	}
	t.Parallel()
	ref := pgtest.New(t)
	refSvc, err := newServices(ref, testSecrets(), &config{}, discardLog())
	if err != nil {
		t.Fatal(err)
	}
	if err := seedDemo(context.Background(), refSvc, io.Discard, discardLog()); err != nil {
		t.Fatal(err)
	}
	want := tableCounts(t, ref)

	dsn := pgtest.NewURL(t)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	outs := make([]bytes.Buffer, 2)
	for i := range 2 {
		// Each "process" has its own pool and services, as two talentd processes would.
		db, err := postgres.Open(context.Background(), dsn, postgres.PoolConfig{MaxOpenConns: 5, MaxIdleConns: 5})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		svc, err := newServices(db, testSecrets(), &config{}, discardLog())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(svc.greencard.Close)
		wg.Go(func() { errs[i] = seedDemo(context.Background(), svc, &outs[i], discardLog()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("seed %d: %v", i, err)
		}
	}
	if printed := strings.Count(outs[0].String()+outs[1].String(), "Demo accounts"); printed != 1 {
		t.Errorf("the demo accounts were printed %d times, want once (by the seed that made them)", printed)
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := tableCounts(t, db)
	for _, table := range seededTables {
		if got[table] != want[table] {
			t.Errorf("%s: %d rows after two concurrent seeds, %d after one", table, got[table], want[table])
		}
	}
}

// TestSharedDataDir_TwoServe runs two real `talentd serve --demo` processes started at once on one
// fresh data directory: both come up (one initialises the cluster, one seeds, both share the
// generated secrets), stopping the first leaves the second serving, and stopping the second —
// the last one using it — stops the cluster.
func TestSharedDataDir_TwoServe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts PostgreSQL")
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "talentd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dataDir := reachableTempDir(t)
	env := []string{"TALENTD_DATA_DIR=" + dataDir, "TALENTD_ADDR=127.0.0.1:0", "TALENTD_LOG_FORMAT=json", "TALENTD_DEMO=true"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TALENTD_") {
			env = append(env, kv)
		}
	}

	var wg sync.WaitGroup
	procs := make([]served, 2)
	for i := range procs {
		wg.Go(func() { procs[i] = startServeAsync(t, bin, env) })
	}
	wg.Wait()
	for i, p := range procs {
		if p.base == "" {
			t.Fatalf("serve %d did not come up", i)
		}
	}
	// Stop first the process that started the cluster: the other only joined it.
	first, second := procs[0], procs[1]
	if strings.Contains(second.logs(), "postgres: starting cluster") {
		first, second = second, first
	}
	if !strings.Contains(first.logs(), "postgres: starting cluster") {
		t.Fatalf("neither process says it started the cluster:\n%s\n%s", first.logs(), second.logs())
	}

	// One district, one set of secrets: a session made through one process works on the other,
	// and identity numbers sealed by whichever process seeded open on both.
	token := loginAs(t, first.base, "admin")
	for i, p := range procs {
		r := httpCall(t, "GET", p.base+"/v1/talents?limit=1&status=registered", token, "")
		mustStatus(t, r, http.StatusOK, fmt.Sprintf("list on serve %d with the other's session", i))
		var page struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
			Total int `json:"total"`
		}
		if err := json.Unmarshal(r.Body, &page); err != nil || len(page.Items) != 1 {
			t.Fatalf("list on serve %d: %v %s", i, err, r.Body)
		}
		if page.Total != talent.DemoRegistered {
			t.Errorf("serve %d: %d registered talents, want %d (one seed)", i, page.Total, talent.DemoRegistered)
		}
		r = httpCall(t, "GET", fmt.Sprintf("%s/v1/talents/%d", p.base, page.Items[0].ID), token, "")
		mustStatus(t, r, http.StatusOK, fmt.Sprintf("talent on serve %d", i))
	}

	first.stop()
	r := httpCall(t, "GET", second.base+"/readyz", "", "")
	mustStatus(t, r, http.StatusOK, "readyz of the second after the first stopped")
	r = httpCall(t, "POST", second.base+"/v1/auth/login", "", `{"username":"talent-office","password":"`+DemoPassword+`"}`)
	mustStatus(t, r, http.StatusOK, "login on the second after the first stopped")
	if _, err := os.Stat(filepath.Join(dataDir, "pg", "postmaster.pid")); err != nil {
		t.Errorf("cluster not running after the first stopped: %v", err)
	}

	second.stop()
	if _, err := os.Stat(filepath.Join(dataDir, "pg", "postmaster.pid")); !os.IsNotExist(err) {
		t.Error("the private cluster is still running after the last talentd stopped")
	}
}

// loginAs signs a demo account in and returns its token.
func loginAs(t *testing.T, base, username string) string {
	t.Helper()
	r := httpCall(t, "POST", base+"/v1/auth/login", "", `{"username":"`+username+`","password":"`+DemoPassword+`"}`)
	mustStatus(t, r, http.StatusOK, "login "+username)
	var login struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(r.Body, &login); err != nil || login.Token == "" {
		t.Fatalf("login: %v %s", err, r.Body)
	}
	return login.Token
}

// served is a running `talentd serve`.
type served struct {
	base string        // its URL; "" when it did not come up
	stop func() string // SIGTERM, wait for a clean exit, return what it logged
	logs func() string // what it logged so far
}

// startServeAsync is startServe for use from several goroutines at once: it reports failure
// with t.Error (base == "") instead of t.Fatal, which must not be called off the test goroutine.
func startServeAsync(t *testing.T, bin string, env []string) served {
	cmd := command(bin, env, "serve")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Error(err)
		return served{}
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Error(err)
		return served{}
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var base string
	select {
	case base = <-found:
	case err := <-done:
		t.Errorf("serve exited before listening: %v\n%s", err, stderr.String())
		return served{}
	case <-time.After(3 * time.Minute):
		_ = cmd.Process.Kill()
		t.Errorf("serve did not listen within 3 minutes\n%s", stderr.String())
		return served{}
	}
	var once sync.Once
	stop := func() string {
		once.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("serve exited with %v after SIGTERM\n%s", err, stderr.String())
				}
			case <-time.After(time.Minute):
				_ = cmd.Process.Kill()
				t.Errorf("serve did not stop within a minute of SIGTERM")
			}
		})
		return stderr.String()
	}
	t.Cleanup(func() { stop() })
	return served{base: base, stop: stop, logs: stderr.String}
}

// lockedBuffer is a bytes.Buffer safe to write from the process's pipe while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
