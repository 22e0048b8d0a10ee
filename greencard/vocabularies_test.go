package greencard

import (
	"slices"
	"testing"

	"talentd/internal/errs"
	"talentd/internal/pgtest"
	"talentd/internal/vocab"
	"talentd/talent"
)

// TestVocabularies_AgreeWithTheDatabase holds every CHECK constraint of the green card tables to
// the list the code states; a value added on one side only fails here.
func TestVocabularies_AgreeWithTheDatabase(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	sorted := func(l *vocab.List, without ...string) []string {
		codes := slices.DeleteFunc(l.Codes(), func(c string) bool { return slices.Contains(without, c) })
		slices.Sort(codes)
		return codes
	}
	for _, tc := range []struct {
		table, column string
		want          []string
	}{
		// "expired" is no stored status: it is derived from the expiry date.
		{"cards", "status", sorted(CardStatusVocab, CardExpired)},
		{"card_versions", "grade", sorted(talent.GradeVocab)},
		{"agent_requests", "status", sorted(RequestStatusVocab)},
		{"signing_keys", "status", sorted(KeyStatusVocab)},
		{"card_verifications", "method", sorted(VerifyMethodVocab)},
		{"card_prints", "status", sorted(PrintStatusVocab)},
	} {
		if got := pgtest.CheckedValues(t, db, tc.table, tc.column); !slices.Equal(got, tc.want) {
			t.Errorf("%s.%s: the database allows %q, the list says %q", tc.table, tc.column, got, tc.want)
		}
	}
}

// TestServiceVocabulary: the catalogue as a list, and a clash of names reported, not a panic.
func TestServiceVocabulary(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	list, err := f.cards.ServiceVocabulary(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Codes()) != 9 || list.Label("health_check", "zh") != "健康体检" || list.Label("transport", "en") != "Transport" {
		t.Errorf("service list: %+v", list.Terms())
	}
	transport, err := serviceItem(f.ctx, f.db, "transport", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.cards.UpdateService(f.ctx, "transport", 0, ServiceItemInput{NameZH: "健康体检", Eligible: transport.Eligible,
		StandardDays: transport.StandardDays}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cards.ServiceVocabulary(f.ctx); !errs.Is(err, errs.Conflict) {
		t.Errorf("two services named alike: %v", err)
	}
}

// TestUpdateService_WithoutSteps: steps may be left out of an edit (they are optional on the
// wire); the item then has none, rather than the edit failing on the NOT NULL column.
func TestUpdateService_WithoutSteps(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	it, err := f.cards.UpdateService(f.ctx, "transport", 0, ServiceItemInput{NameZH: "交通出行", Eligible: []string{"A"}, StandardDays: 1})
	if err != nil {
		t.Fatal(err)
	}
	if it.Steps == nil || len(it.Steps) != 0 || len(it.Eligible) != 1 || it.YearlyQuota != nil {
		t.Errorf("updated: %+v", it)
	}
}
