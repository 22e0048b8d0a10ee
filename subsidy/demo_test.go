package subsidy

import (
	"testing"

	"talentd/internal/auth"
	"talentd/internal/civil"
)

// TestSeedDemo_Awards: the demo's three award programmes pay exactly the report's ¥4,157,900 in
// instalments, most of them paid with a bank reference, within budget; loading again adds nothing.
func TestSeedDemo_Awards(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := auth.WithPrincipal(office, auth.System)
	today := civil.New(2026, 11, 26)
	enterprises, _, err := f.reg.SeedDemoEnterprises(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.reg.SeedDemoTalents(ctx, enterprises, today); err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false} {
		loaded, err := f.svc.SeedDemo(ctx, today)
		if err != nil || loaded != want {
			t.Fatalf("load %d: loaded %v, %v", i+1, loaded, err)
		}
	}
	var sums struct {
		Instalments int64 `db:"instalments"`
		Payouts     int64 `db:"payouts"`
		Paid        int   `db:"paid"`
		All         int   `db:"all"`
		NoReference int   `db:"no_reference"`
		Programmes  int   `db:"programmes"`
	}
	if err := f.db.Get(&sums, `SELECT (SELECT sum(amount_fen) FROM subsidy_instalments) AS instalments,
		(SELECT sum(amount_fen) FROM subsidy_payouts) AS payouts,
		(SELECT count(*) FROM subsidy_payouts WHERE status = 'paid') AS paid,
		(SELECT count(*) FROM subsidy_payouts) AS all,
		(SELECT count(*) FROM subsidy_payouts WHERE status = 'paid' AND bank_reference IS NULL) AS no_reference,
		(SELECT count(*) FROM subsidy_programmes WHERE kind = 'award' AND year = 2026) AS programmes`); err != nil {
		t.Fatal(err)
	}
	if sums.Instalments != int64(DemoAwardsFen) || sums.Payouts != int64(DemoAwardsFen) {
		t.Errorf("instalments add up to %d, payouts to %d; want %d", sums.Instalments, sums.Payouts, DemoAwardsFen)
	}
	if sums.Programmes != 3 || sums.Paid*2 <= sums.All || sums.Paid == sums.All || sums.NoReference != 0 {
		t.Errorf("demo ledger: %+v", sums)
	}
	var ids []int64
	if err := f.db.Select(&ids, `SELECT id FROM subsidy_programmes ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		checkCommitted(t, f, id)
	}
}
