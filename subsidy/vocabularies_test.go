package subsidy

import (
	"slices"
	"testing"

	"talentd/internal/pgtest"
	"talentd/internal/vocab"
)

// TestVocabularies_MatchTheSchema holds each list to the CHECK constraint of its column, so that a
// status added on one side only fails here rather than at the first insert.
func TestVocabularies_MatchTheSchema(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	for _, c := range []struct {
		table, column string
		list          *vocab.List
	}{
		{"subsidy_programmes", "kind", ProgrammeKindVocab},
		{"subsidy_programmes", "status", ProgrammeStatusVocab},
		{"subsidy_nominations", "status", NominationStatusVocab},
		{"subsidy_payouts", "status", PayoutStatusVocab},
	} {
		got, want := pgtest.CheckedValues(t, db, c.table, c.column), slices.Clone(c.list.Codes())
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s.%s allows %v, the list has %v", c.table, c.column, got, want)
		}
	}
}
