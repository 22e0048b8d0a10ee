package migrations_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	_ "github.com/lib/pq"

	"talentd/internal/pgtest"
	"talentd/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// emptyDatabase returns a fresh database with the schema removed, as a new server would have it.
func emptyDatabase(t *testing.T) string {
	t.Helper()
	url := pgtest.NewURL(t)
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
		t.Fatal(err)
	}
	return url
}

// TestUp_ConcurrentStarts runs the migrations from several processes' worth of connections at
// once: the advisory lock must serialise them, every run must succeed, and the schema must be whole.
func TestUp_ConcurrentStarts(t *testing.T) {
	t.Parallel()
	url := emptyDatabase(t)
	const runs = 4
	var wg sync.WaitGroup
	errs := make([]error, runs)
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := sql.Open("postgres", url)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			errs[i] = migrations.Up(context.Background(), db, nil)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("run %d: %v", i, err)
		}
	}
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	list, err := migrations.List(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) == 0 {
		t.Fatal("no migrations embedded")
	}
	for _, m := range list {
		if !m.Applied {
			t.Errorf("migration %d not applied", m.Version)
		}
	}
	var applied int
	if err := db.QueryRow(`SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != len(list) {
		t.Errorf("%d version rows for %d migrations: a migration ran twice", applied, len(list))
	}
	// Idempotent: a further run changes nothing.
	if err := migrations.Up(context.Background(), db, nil); err != nil {
		t.Fatal(err)
	}
}

func TestFingerprint_Stable(t *testing.T) {
	a, err := migrations.Fingerprint()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := migrations.Fingerprint()
	if a != b || len(a) != 16 {
		t.Errorf("fingerprint %q / %q", a, b)
	}
}
