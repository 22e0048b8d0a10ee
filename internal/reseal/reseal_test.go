package reseal_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"talentd/internal/auth"
	"talentd/internal/fieldcrypt"
	"talentd/internal/pgtest"
	"talentd/internal/reseal"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestColumn_Run: values sealed under an old key are re-sealed once each, even by two runs at
// once; a value no key opens stops the run with an error naming its row and the remedy.
func TestColumn_Run(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := auth.WithPrincipal(context.Background(), auth.System)
	oldKey, newKey, index := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{3}, 32), bytes.Repeat([]byte{2}, 32)
	oldRing, _ := fieldcrypt.NewRing(oldKey, nil, index)
	rotated, _ := fieldcrypt.NewRing(newKey, [][]byte{oldKey}, index)
	if _, err := db.Exec(`CREATE TABLE sealed_things (id bigint PRIMARY KEY, v bytea NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	const n = 2*reseal.BatchSize + 7 // three batches
	for i := 1; i <= n; i++ {
		ring := oldRing
		if i%10 == 0 {
			ring = rotated // some are current already
		}
		if _, err := db.Exec(`INSERT INTO sealed_things VALUES ($1, $2)`, i, ring.Seal(fmt.Sprint("value-", i), "test.thing")); err != nil {
			t.Fatal(err)
		}
	}
	col := reseal.Column{Kind: "thing", Table: "sealed_things", Key: "id", Column: "v", Purpose: "test.thing", EntityType: "thing"}

	var wg sync.WaitGroup
	counts, errs := make([]int, 2), make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts[i], errs[i] = col.Run(ctx, db, rotated)
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil || counts[0]+counts[1] != n-n/10 {
		t.Fatalf("two runs at once: %v %v, re-sealed %d + %d, want %d in all", errs[0], errs[1], counts[0], counts[1], n-n/10)
	}
	newOnly, _ := fieldcrypt.NewRing(newKey, nil, index)
	rows, err := db.Query(`SELECT id, v FROM sealed_things ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int
		var v []byte
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		if got, err := newOnly.Open(v, "test.thing"); err != nil || got != fmt.Sprint("value-", id) {
			t.Fatalf("row %d after re-sealing: %q %v", id, got, err)
		}
	}
	rows.Close()
	if again, err := col.Run(ctx, db, rotated); again != 0 || err != nil {
		t.Errorf("a run with nothing left: %d %v", again, err)
	}

	// A value sealed under a key nobody configured.
	stray, _ := fieldcrypt.NewRing(bytes.Repeat([]byte{9}, 32), nil, index)
	if _, err := db.Exec(`UPDATE sealed_things SET v = $2 WHERE id = $1`, 17, stray.Seal("lost", "test.thing")); err != nil {
		t.Fatal(err)
	}
	_, err = col.Run(ctx, db, rotated)
	var ue *reseal.UndecryptableError
	if !errors.As(err, &ue) || ue.ID != 17 || !errors.Is(err, fieldcrypt.ErrUndecryptable) ||
		!strings.Contains(err.Error(), "sealed_things row 17") || !strings.Contains(err.Error(), "TALENTD_ENCRYPTION_OLD_KEYS") {
		t.Errorf("undecryptable value: %v", err)
	}
}
