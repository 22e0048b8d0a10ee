package talent_test

import (
	"slices"
	"testing"

	"talentd/internal/pgtest"
	"talentd/internal/vocab"
	"talentd/talent"
)

// TestVocabularies_AgreeWithDatabase holds the CHECK constraints of the registry's tables to the
// enumerations the code states: a value added to one and not the other fails here, not in a
// clerk's hands.
func TestVocabularies_AgreeWithDatabase(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	cases := []struct {
		table, column string
		list          *vocab.List
	}{
		{"talents", "status", talent.StatusVocab},
		{"talents", "gender", talent.GenderVocab},
		{"talents", "education", talent.EducationVocab},
		{"talents", "title", talent.TitleVocab},
		{"talents", "skill_level", talent.SkillLevelVocab},
		{"talents", "grade", talent.GradeVocab},
		{"grade_decisions", "grade", talent.GradeVocab},
		{"grading_policies", "status", talent.PolicyStatusVocab},
	}
	for _, c := range cases {
		want := c.list.Codes()
		slices.Sort(want)
		if got := pgtest.CheckedValues(t, db, c.table, c.column); !slices.Equal(got, want) {
			t.Errorf("%s.%s allows %v; %s lists %v", c.table, c.column, got, c.list.Name(), want)
		}
	}
}
