package pgtest

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	Main(m)
}

func TestNew_Isolated(t *testing.T) {
	// Both subtests write before either reads, so a shared database could not go unnoticed.
	var wrote sync.WaitGroup
	wrote.Add(2)
	for _, name := range []string{"Alpha Ltd", "Beta Ltd"} {
		t.Run(strings.Fields(name)[0], func(t *testing.T) {
			t.Parallel()
			db := New(t)
			ctx := t.Context()
			if _, err := db.ExecContext(ctx,
				`INSERT INTO enterprises (name, uscc) VALUES ($1, '91500000000000000A')`, name); err != nil {
				wrote.Done()
				t.Fatal(err)
			}
			wrote.Done()
			waitTimeout(&wrote, 30*time.Second)

			var names []string
			if err := db.SelectContext(ctx, &names, `SELECT name FROM enterprises`); err != nil {
				t.Fatal(err)
			}
			if len(names) != 1 || names[0] != name {
				t.Fatalf("enterprises = %q, want only %q", names, name)
			}
		})
	}
}

// waitTimeout waits for wg, but gives up so that a run with -parallel=1 cannot hang.
func waitTimeout(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}

func TestNewURL(t *testing.T) {
	var name string
	t.Run("Use", func(t *testing.T) {
		dsn := NewURL(t)
		db := New(t) // a second, distinct database in the same test
		if err := db.GetContext(t.Context(), &name, `SELECT current_database()`); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(dsn, name) {
			t.Fatalf("NewURL %q and New share database %s", dsn, name)
		}
		u, err := url.Parse(dsn)
		if err != nil || !strings.HasPrefix(u.Path, "/"+testPrefix) {
			t.Fatalf("NewURL = %q (%v), want a URL naming a %s* database", dsn, err, testPrefix)
		}
	})
	if name == "" {
		t.FailNow()
	}
	admin, err := admin()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := admin.QueryRowContext(context.Background(),
		`SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("test database %s still exists after its test's cleanup", name)
	}
}

func TestWithDatabase(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
			"postgres://postgres@127.0.0.1:5432/x?sslmode=disable"},
		{"postgres://talentd@/postgres?host=/tmp/talentd-pg-1/pg&port=5432&sslmode=disable",
			"postgres://talentd@/x?host=/tmp/talentd-pg-1/pg&port=5432&sslmode=disable"},
		{"postgresql://u@h", "postgresql://u@h/x"},
		{"host=/tmp dbname=postgres sslmode=disable", "host=/tmp dbname=x sslmode=disable"},
		{"dbname = 'my db' host=h", "dbname=x host=h"},
		{"host=h user=u", "host=h user=u dbname=x"},
	} {
		got, err := withDatabase(tc.in, "x")
		if err != nil || got != tc.want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := withDatabase("mysql://h/db", "x"); err == nil {
		t.Error("withDatabase accepted a mysql:// URL")
	}
}
