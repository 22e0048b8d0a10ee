package talent_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"talentd/internal/auth"
	"talentd/internal/fieldcrypt"
	"talentd/internal/pgtest"
	"talentd/talent"
)

func TestService_Reencrypt(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	oldKey, newKey, index := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{3}, 32), bytes.Repeat([]byte{2}, 32)
	oldRing, _ := fieldcrypt.NewRing(oldKey, nil, index)
	ctx := auth.WithPrincipal(context.Background(), office)
	before := talent.NewService(db, oldRing)
	gen := talent.NewGenerator(7)
	var ids []int64
	var numbers []string
	for range 3 {
		in := gen.Talent(talent.GradeD, nil)
		tl, err := before.CreateTalent(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		ids, numbers = append(ids, tl.ID), append(numbers, in.IDNumber)
	}

	rotated, _ := fieldcrypt.NewRing(newKey, [][]byte{oldKey}, index)
	after := talent.NewService(db, rotated)
	n, err := after.Reencrypt(ctx)
	if err != nil || n != 3 {
		t.Fatalf("reencrypt: %d %v", n, err)
	}
	if n, _ := after.Reencrypt(ctx); n != 0 {
		t.Errorf("a second run changed %d", n)
	}
	// The old key can go: the new ring alone opens everything, and lookups still work.
	newOnly, _ := fieldcrypt.NewRing(newKey, nil, index)
	final := talent.NewService(db, newOnly)
	for i, id := range ids {
		tl, err := final.GetTalent(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got := final.IDNumberFor(office, tl); got != numbers[i] {
			t.Errorf("talent %d opens to %q", id, got)
		}
		res, err := final.SearchTalents(ctx, talent.TalentFilter{Query: numbers[i]}, "", 10, true)
		if err != nil || res.Total != 1 {
			t.Errorf("lookup by number after rotation: %d %v", res.Total, err)
		}
	}
	// Without the key that sealed a value, reading degrades to the masked form, never an error.
	lost := talent.NewService(db, oldRing)
	tl, _ := lost.GetTalent(ctx, ids[0])
	if got := lost.IDNumberFor(office, tl); !strings.Contains(got, "********") {
		t.Errorf("undecryptable value shown as %q", got)
	}
}

// TestService_ReencryptRacesAnEdit: HR changes an identity number between re-encryption's read
// and its write; the new number must survive (re-encryption never writes back what it read over
// a value someone changed meanwhile).
func TestService_ReencryptRacesAnEdit(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	oldKey, newKey, index := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{3}, 32), bytes.Repeat([]byte{2}, 32)
	oldRing, _ := fieldcrypt.NewRing(oldKey, nil, index)
	ctx := auth.WithPrincipal(context.Background(), office)
	gen := talent.NewGenerator(11)
	first, changed := gen.Talent(talent.GradeD, nil), gen.Talent(talent.GradeD, nil)
	tl, err := talent.NewService(db, oldRing).CreateTalent(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	rotated, _ := fieldcrypt.NewRing(newKey, [][]byte{oldKey}, index)
	after := talent.NewService(db, rotated)

	// The edit: its transaction has written the new number (sealed under the new key, as a
	// restarted server does) and holds the row while re-encryption reads the old one.
	edit, err := db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer edit.Rollback()
	if _, err := edit.Exec(`UPDATE talents SET id_number_cipher = $2, id_number_hash = $3 WHERE id = $1`,
		tl.ID, rotated.Seal(changed.IDNumber, "talent.id_number"), after.IDNumberIndex(changed.IDNumber)); err != nil {
		t.Fatal(err)
	}
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := after.Reencrypt(ctx)
		done <- result{n, err}
	}()
	// Commit the edit once re-encryption has read the row and waits to write it (or has finished,
	// if it never waits).
	var res result
	finished := false
	for !finished {
		select {
		case res = <-done:
			finished = true
			continue
		default:
		}
		var waiting int
		if err := db.Get(&waiting, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	if finished {
		t.Fatal("re-encryption finished without waiting for the edit's row: the race was not staged")
	}
	if err := edit.Commit(); err != nil {
		t.Fatal(err)
	}
	res = <-done
	if res.err != nil {
		t.Fatalf("reencrypt: %v", res.err)
	}
	newOnly, _ := fieldcrypt.NewRing(newKey, nil, index)
	final := talent.NewService(db, newOnly)
	got, err := final.GetTalent(ctx, tl.ID)
	if err != nil {
		t.Fatal(err)
	}
	if final.IDNumberFor(office, got) != changed.IDNumber {
		t.Error("re-encryption wrote the old identity number back over the edit")
	}
}
