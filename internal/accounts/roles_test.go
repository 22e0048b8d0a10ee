package accounts

import (
	"slices"
	"testing"

	"talentd/internal/auth"
	"talentd/internal/pgtest"
	"talentd/internal/vocab"
)

// TestRoleVocab_MatchesDatabase holds the roles' list to the accounts.role CHECK constraint and to
// auth.AllRoles, so a role cannot be added in one place and forgotten in another.
func TestRoleVocab_MatchesDatabase(t *testing.T) {
	t.Parallel()
	codes := auth.RoleVocab.Codes()
	var all []string
	for _, r := range auth.AllRoles {
		all = append(all, string(r))
	}
	if !slices.Equal(codes, all) {
		t.Errorf("RoleVocab %v, AllRoles %v", codes, all)
	}
	slices.Sort(codes)
	if got := pgtest.CheckedValues(t, pgtest.New(t), "accounts", "role"); !slices.Equal(got, codes) {
		t.Errorf("accounts.role allows %v, RoleVocab has %v", got, codes)
	}
	for _, code := range codes {
		if term, _ := auth.RoleVocab.Term(code); term.Zh == "" || term.En == "" {
			t.Errorf("role %s lacks a label", code)
		}
	}
}

func TestRole_SchemaNamesItsList(t *testing.T) {
	s := auth.Role("").Schema(nil)
	if s.Extensions[vocab.SchemaExtension] != "role" || len(s.Enum) != len(auth.AllRoles) {
		t.Errorf("role schema: %+v", s)
	}
}
