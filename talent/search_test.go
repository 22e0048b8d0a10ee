package talent_test

import (
	"context"
	"slices"
	"testing"

	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/pgtest"
	"talentd/talent"
)

// TestSearch_ReviewQueuePaging pages the listing by submission time one record at a time, both
// ways, and must meet every record exactly once in the order the database gives: records submitted
// in one transaction share their time, and records never submitted come last.
func TestSearch_ReviewQueuePaging(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	s := talent.NewService(db, testRing(t))
	ctx := auth.WithPrincipal(context.Background(), office)
	ent, err := s.CreateEnterprise(ctx, talent.DemoEnterpriseInputs()[0])
	if err != nil {
		t.Fatal(err)
	}
	gen := talent.NewGenerator(3)
	var ids []int64
	for range 7 {
		tl, err := s.CreateTalent(ctx, gen.Talent(talent.GradeC, &ent.ID))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tl.ID)
	}
	// Three at once (one transaction, one submission time), then two on their own; two never.
	if res, err := s.BulkSubmit(ctx, []int64{ids[4], ids[1], ids[6]}, true); err != nil || res.Succeeded != 3 {
		t.Fatalf("bulk submit: %+v %v", res, err)
	}
	for _, id := range []int64{ids[0], ids[3]} {
		if _, err := s.Submit(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ sort, order string }{
		{"submitted_at", `submitted_at ASC NULLS LAST, id ASC`},
		{"-submitted_at", `submitted_at DESC NULLS LAST, id DESC`},
	} {
		var want []int64
		if err := db.Select(&want, `SELECT id FROM talents ORDER BY `+c.order); err != nil {
			t.Fatal(err)
		}
		var got []int64
		cursor := ""
		for range 20 {
			res, err := s.SearchTalents(ctx, talent.TalentFilter{Sort: c.sort}, cursor, 1, false)
			if err != nil {
				t.Fatalf("%s: %v", c.sort, err)
			}
			for _, tl := range res.Items {
				got = append(got, tl.ID)
				if res.EnterpriseNames[ent.ID] != ent.Name {
					t.Errorf("%s: the employer's name is missing: %v", c.sort, res.EnterpriseNames)
				}
			}
			if cursor = res.NextCursor; cursor == "" {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("sort=%s paged %v, want %v", c.sort, got, want)
		}
	}

	t.Run("CursorOfAnotherSort", func(t *testing.T) {
		res, err := s.SearchTalents(ctx, talent.TalentFilter{Sort: "registered_at"}, "", 1, false)
		if err != nil || res.NextCursor == "" {
			t.Fatalf("first page: %v", err)
		}
		for _, sort := range []string{"submitted_at", "-submitted_at", "name", "id"} {
			if _, err := s.SearchTalents(ctx, talent.TalentFilter{Sort: sort}, res.NextCursor, 1, false); errs.KindOf(err) != errs.BadRequest {
				t.Errorf("a registered_at cursor with sort=%s: %v", sort, err)
			}
		}
	})

	t.Run("Suggestions", func(t *testing.T) {
		if _, err := s.Approve(ctx, ids[0]); err != nil {
			t.Fatal(err)
		}
		list, err := s.ListTalents(ctx, talent.TalentFilter{}, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, tl := range list.Items {
			a, ok := list.Suggested[tl.ID]
			switch {
			case tl.Status == talent.StatusRegistered && ok:
				t.Errorf("a registered record gets a suggestion")
			case tl.Status != talent.StatusRegistered && (!ok || a.Grade != talent.GradeC || len(a.Rules) == 0):
				t.Errorf("record %d (%s): suggestion %+v", tl.ID, tl.Status, a)
			}
		}
	})
}
