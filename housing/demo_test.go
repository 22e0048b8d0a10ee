package housing

import (
	"testing"

	"talentd/internal/auth"
	"talentd/internal/civil"
)

// TestSeedDemo_FinishedRoundRecomputes: the demo's committed round is ranked by the rules every
// round follows, so its published list recomputes to the same order and its seed to its hash.
func TestSeedDemo_FinishedRoundRecomputes(t *testing.T) {
	f := newRoundsFixture(t)
	ctx := auth.WithPrincipal(f.ctx, auth.System)
	today := civil.New(2026, 11, 26)
	enterprises, _, err := f.reg.SeedDemoEnterprises(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.reg.SeedDemoTalents(ctx, enterprises, today); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SeedDemo(ctx, today); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := f.db.Get(&id, `SELECT id FROM housing_rounds WHERE status = 'committed'`); err != nil {
		t.Fatal(err)
	}
	published, err := f.svc.RoundRanking(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(published.Entries) == 0 {
		t.Fatal("the demo round publishes no entries")
	}
	recomputed := recomputeRanking(t, published)
	for i, e := range published.Entries {
		if recomputed[i] != e.ApplicationID {
			t.Fatalf("rank %d: published %d, recomputed %d", i+1, e.ApplicationID, recomputed[i])
		}
	}
}
