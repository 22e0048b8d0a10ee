package talent_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

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
