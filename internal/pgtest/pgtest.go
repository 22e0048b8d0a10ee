// Package pgtest gives every test a brand-new PostgreSQL database cloned from a migrated template,
// so tests run against the real schema and can all call t.Parallel without seeing each other's rows.
//
// A package whose tests need PostgreSQL calls Main from its TestMain. The server is the one
// TEST_DATABASE_URL points at (a URL such as postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable,
// or a key=value string), or else a private throwaway cluster that lives as long as the test process.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"

	"talentd/internal/postgres"
	"talentd/migrations"
)

// EnvURL names the environment variable holding the connection string of the server tests use.
const EnvURL = "TEST_DATABASE_URL"

const (
	templatePrefix = "talentd_tpl_"
	testPrefix     = "talentd_test_"
	// templateLock is the advisory lock key under which test processes sharing a server build the
	// template one at a time; the value only has to differ from other applications' keys.
	templateLock int64 = 0x74616c656e7464 // "talentd"
	// perTestConns keeps each test's pool small so that many parallel tests, across the several
	// package processes of one `go test ./...`, fit in the server's max_connections.
	perTestConns = 5
)

var (
	// serverURL names a database on the test server (any one: it is only used to create and drop
	// others). Set by Main before any test runs.
	serverURL  string
	skipReason string

	adminOnce sync.Once
	adminDB   *sql.DB
	adminErr  error

	templateOnce sync.Once
	templateName string
	templateErr  error
)

// Main is called from TestMain in every package whose tests need PostgreSQL: it uses TEST_DATABASE_URL
// when set, else starts a private throwaway cluster for this test process and removes it afterwards;
// then it exits with the tests' status.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if u := os.Getenv(EnvURL); u != "" {
		serverURL = u
		defer closeAdmin()
		return m.Run()
	}
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := postgres.StartTempCluster(ctx, logger)
	if errors.Is(err, postgres.ErrNoBinaries) && os.Getenv("CI") != "true" {
		skipReason = fmt.Sprintf("%v; or set %s to a server's URL", err, EnvURL)
		return m.Run()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		return 1
	}
	// The cluster runs in a session of its own, so an interrupt that kills this process would
	// otherwise leave it behind.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		if _, ok := <-sig; ok {
			c.Remove(context.Background())
			os.Exit(1)
		}
	}()
	defer signal.Stop(sig)

	serverURL = c.URL()
	code := m.Run()
	closeAdmin()
	if err := c.Remove(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// New returns a handle (*sqlx.DB, driver "postgres") on a brand-new database cloned from a migrated
// template; the database is dropped (WITH (FORCE)) in t.Cleanup. Safe for t.Parallel().
func New(t testing.TB) *sqlx.DB {
	t.Helper()
	dsn := NewURL(t)
	// The same Open as the service, so tests run with the production connection settings.
	db, err := postgres.Open(context.Background(), dsn, postgres.PoolConfig{MaxOpenConns: perTestConns, MaxIdleConns: perTestConns})
	if err != nil {
		t.Fatalf("pgtest: connect to test database: %v", err)
	}
	// Registered after NewURL's drop, so it runs first: the pool closes before its database goes.
	t.Cleanup(func() { db.Close() })
	return db
}

// NewURL is New for callers that need a connection URL (e.g. an end-to-end test that starts the
// server itself): it returns the connection string of a fresh cloned database, dropped at cleanup.
// The string has the form of TEST_DATABASE_URL (URL or key=value) with the database name replaced.
func NewURL(t testing.TB) string {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
	if serverURL == "" {
		t.Fatal("pgtest: no test server: the package's TestMain must call pgtest.Main(m)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := admin()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	tpl, err := template(ctx, admin)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	name, err := randomName()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	dsn, err := withDatabase(serverURL, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if err := clone(ctx, admin, tpl, name); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(name)+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop test database %s: %v", name, err)
		}
	})
	return dsn
}

// clone creates a test database from the template. The server refuses while any session is
// connected to the template (another test process may be building or checking it at that instant),
// so a refusal of that kind is retried.
func clone(ctx context.Context, admin *sql.DB, tpl, name string) error {
	q := "CREATE DATABASE " + pq.QuoteIdentifier(name) + " TEMPLATE " + pq.QuoteIdentifier(tpl)
	const attempts = 8
	for i := 1; ; i++ {
		_, err := admin.ExecContext(ctx, q)
		if err == nil {
			return nil
		}
		if pq.As(err, pqerror.ObjectInUse) == nil || i == attempts {
			return fmt.Errorf("create test database from %s: %w", tpl, err)
		}
		select {
		case <-time.After(time.Duration(i*i) * 25 * time.Millisecond):
		case <-ctx.Done():
			return fmt.Errorf("create test database from %s: %w", tpl, err)
		}
	}
}

func admin() (*sql.DB, error) {
	adminOnce.Do(func() {
		adminDB, adminErr = sql.Open("postgres", serverURL)
		if adminErr != nil {
			adminErr = fmt.Errorf("%s: %w", EnvURL, adminErr)
			return
		}
		adminDB.SetMaxOpenConns(8)
	})
	return adminDB, adminErr
}

func closeAdmin() {
	if adminDB != nil {
		adminDB.Close()
	}
}

// template returns the name of the migrated template database for the embedded schema, building it
// on first use in this process; later processes and runs find it already there.
func template(ctx context.Context, admin *sql.DB) (string, error) {
	templateOnce.Do(func() {
		templateName, templateErr = ensureTemplate(ctx, admin)
	})
	return templateName, templateErr
}

func ensureTemplate(ctx context.Context, admin *sql.DB) (string, error) {
	fp, err := migrations.Fingerprint()
	if err != nil {
		return "", fmt.Errorf("schema fingerprint: %w", err)
	}
	name := templatePrefix + fp
	// Advisory locks belong to a session: hold one connection for the lock and all that it guards.
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", fmt.Errorf("connect to test server: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, templateLock); err != nil {
		return "", fmt.Errorf("lock template: %w", err)
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, templateLock)

	var isTemplate bool
	err = conn.QueryRowContext(ctx, `SELECT datistemplate FROM pg_database WHERE datname = $1`, name).Scan(&isTemplate)
	switch {
	case err == nil && isTemplate:
		return name, nil
	case err == nil:
		// Not yet marked as a template: a process died while building it.
		if _, err := conn.ExecContext(ctx, "DROP DATABASE "+pq.QuoteIdentifier(name)+" WITH (FORCE)"); err != nil {
			return "", fmt.Errorf("drop unfinished template %s: %w", name, err)
		}
	case !errors.Is(err, sql.ErrNoRows):
		return "", fmt.Errorf("look up template %s: %w", name, err)
	}
	dropStaleTemplates(ctx, conn, name)
	if err := buildTemplate(ctx, conn, name); err != nil {
		return "", err
	}
	return name, nil
}

func buildTemplate(ctx context.Context, conn *sql.Conn, name string) error {
	ident := pq.QuoteIdentifier(name)
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+ident); err != nil {
		return fmt.Errorf("create template %s: %w", name, err)
	}
	dsn, err := withDatabase(serverURL, name)
	if err != nil {
		return err
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return fmt.Errorf("connect to template %s: %w", name, err)
	}
	err = migrations.Up(ctx, db, nil)
	db.Close()
	if err != nil {
		return fmt.Errorf("migrate template %s: %w", name, err)
	}
	// Nobody needs to connect to the template again, and a stray session would make every
	// clone fail with "source database is being accessed by other users".
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+ident+" WITH ALLOW_CONNECTIONS false"); err != nil {
		return fmt.Errorf("close template %s: %w", name, err)
	}
	if _, err := conn.ExecContext(ctx,
		`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, name); err != nil {
		return fmt.Errorf("disconnect template %s: %w", name, err)
	}
	// Marking it last makes IS_TEMPLATE the sign that the template is complete.
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+ident+" WITH IS_TEMPLATE true"); err != nil {
		return fmt.Errorf("mark template %s: %w", name, err)
	}
	return nil
}

// dropStaleTemplates removes templates of other schema versions. A concurrent run of older code may
// still be cloning one: then its drop fails, which is fine, and a later run removes it.
func dropStaleTemplates(ctx context.Context, conn *sql.Conn, keep string) {
	rows, err := conn.QueryContext(ctx, `SELECT datname FROM pg_database WHERE datname LIKE $1 AND datname <> $2`,
		strings.ReplaceAll(templatePrefix, "_", `\_`)+"%", keep)
	if err != nil {
		return
	}
	var stale []string
	for rows.Next() {
		var n string
		if rows.Scan(&n) == nil {
			stale = append(stale, n)
		}
	}
	rows.Close()
	for _, n := range stale {
		ident := pq.QuoteIdentifier(n)
		if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+ident+" WITH IS_TEMPLATE false"); err != nil {
			continue
		}
		conn.ExecContext(ctx, "DROP DATABASE "+ident)
	}
}

func randomName() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return testPrefix + hex.EncodeToString(b), nil
}

var kvDBName = regexp.MustCompile(`(^|\s)dbname\s*=\s*('(?:[^'\\]|\\.)*'|\S*)`)

// withDatabase returns the connection string dsn with its database replaced by name. It accepts
// both forms lib/pq does: postgres:// URLs and key=value strings.
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("%s: %w", EnvURL, err)
		}
		u.Path, u.RawPath = "/"+name, ""
		if q := u.Query(); q.Has("dbname") {
			q.Del("dbname")
			u.RawQuery = q.Encode()
		}
		return u.String(), nil
	}
	if strings.Contains(dsn, "://") {
		return "", fmt.Errorf("%s: want a postgres:// URL or key=value pairs, got another scheme", EnvURL)
	}
	if kvDBName.MatchString(dsn) {
		return kvDBName.ReplaceAllString(dsn, "${1}dbname="+name), nil
	}
	return strings.TrimSpace(dsn + " dbname=" + name), nil
}
