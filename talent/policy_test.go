package talent_test

import (
	"context"
	"slices"
	"testing"

	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/pgtest"
	"talentd/talent"
)

// defaultPolicy is the policy the migration ships, read from a fresh database.
func defaultPolicy(t *testing.T) *talent.Policy {
	t.Helper()
	s := talent.NewService(pgtest.New(t), testRing(t))
	p, err := s.CurrentPolicy(auth.WithPrincipal(context.Background(), office))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPolicy_DefaultRules(t *testing.T) {
	t.Parallel()
	pol := defaultPolicy(t)
	on := civil.New(2026, 6, 1)
	base := talent.Attributes{Education: "other", Title: "none", SkillLevel: "none", BirthDate: civil.New(1985, 3, 1)}
	with := func(f func(*talent.Attributes)) talent.Attributes {
		a := base
		f(&a)
		return a
	}
	cases := []struct {
		name  string
		attrs talent.Attributes
		grade talent.Grade
		rules []string
	}{
		{"A1 academician", with(func(a *talent.Attributes) { a.Honours = []string{"academician"} }), "A", []string{"A1"}},
		{"A2 national award", with(func(a *talent.Attributes) { a.Honours = []string{"national_award"} }), "A", []string{"A2"}},
		{"B1 national programme", with(func(a *talent.Attributes) { a.Honours = []string{"national_programme"} }), "B", []string{"B1"}},
		{"B2 doctorate and senior_full", with(func(a *talent.Attributes) { a.Education, a.Title = "doctorate", "senior_full" }), "B", []string{"B2"}},
		{"C1 municipal programme", with(func(a *talent.Attributes) { a.Honours = []string{"municipal_programme"} }), "C", []string{"C1"}},
		{"C2 doctorate", with(func(a *talent.Attributes) { a.Education = "doctorate" }), "C", []string{"C2"}},
		{"C3 senior_full", with(func(a *talent.Attributes) { a.Title = "senior_full" }), "C", []string{"C3"}},
		{"C4 senior technician craftsman", with(func(a *talent.Attributes) {
			a.SkillLevel, a.Honours = "senior_technician", []string{"district_craftsman"}
		}), "C", []string{"C4"}},
		{"D1 master", with(func(a *talent.Attributes) { a.Education = "master" }), "D", []string{"D1"}},
		{"D2 senior_associate", with(func(a *talent.Attributes) { a.Title = "senior_associate" }), "D", []string{"D2"}},
		{"D3 technician", with(func(a *talent.Attributes) { a.SkillLevel = "technician" }), "D", []string{"D3"}},
		{"D3 senior technician alone", with(func(a *talent.Attributes) { a.SkillLevel = "senior_technician" }), "D", []string{"D3"}},
		{"D4 salary exactly at the threshold", with(func(a *talent.Attributes) {
			a.Education, a.Title, a.AnnualSalaryFen = "bachelor", "intermediate", 30_000_000
		}), "D", []string{"D4"}},
		{"D5 district talent", with(func(a *talent.Attributes) { a.Honours = []string{"district_talent"} }), "D", []string{"D5"}},
		{"highest grade wins, all its rules listed", with(func(a *talent.Attributes) {
			a.Education, a.Title, a.Honours = "doctorate", "senior_full", []string{"national_programme"}
		}), "B", []string{"B1", "B2"}},
	}
	for _, c := range cases {
		a := pol.Assess(c.attrs, on)
		if !a.Eligible || a.Grade != c.grade || !slices.Equal(a.Rules, c.rules) {
			t.Errorf("%s: got %s %v (eligible %t), want %s %v", c.name, a.Grade, a.Rules, a.Eligible, c.grade, c.rules)
		}
		if a.PolicyVersion != 1 || a.Reason == "" {
			t.Errorf("%s: version %d reason %q", c.name, a.PolicyVersion, a.Reason)
		}
	}

	// Boundaries and no match.
	below := with(func(a *talent.Attributes) {
		a.Education, a.Title, a.AnnualSalaryFen = "bachelor", "intermediate", 29_999_999
	})
	if a := pol.Assess(below, on); a.Eligible {
		t.Errorf("one fen below the salary threshold must not match D4: %+v", a)
	}
	for _, none := range []talent.Attributes{base,
		with(func(a *talent.Attributes) { a.Education, a.Title = "bachelor", "junior" }),
		with(func(a *talent.Attributes) { a.SkillLevel, a.Honours = "senior_worker", []string{"other"} }),
	} {
		if a := pol.Assess(none, on); a.Eligible || a.Grade != "" || len(a.Rules) != 0 || a.Reason == "" {
			t.Errorf("%+v must not be eligible, with a reason: %+v", none, a)
		}
	}
}

func TestPolicy_AgeConditions(t *testing.T) {
	minAge, maxAge := 30, 45
	pol := &talent.Policy{Version: 9, Rules: talent.RuleList{{Code: "Y", Grade: "C", DescriptionZH: "青年",
		When: talent.Conditions{Education: []talent.Education{"master"}, MinAge: &minAge, MaxAge: &maxAge}}}}
	a := talent.Attributes{Education: "master", BirthDate: civil.New(1980, 7, 1)}
	for on, want := range map[civil.Date]bool{
		civil.New(2010, 6, 30): false, // 29
		civil.New(2010, 7, 1):  true,  // 30 on the birthday
		civil.New(2026, 6, 30): true,  // 45
		civil.New(2026, 7, 1):  false, // 46
	} {
		if got := pol.Assess(a, on).Eligible; got != want {
			t.Errorf("on %s: eligible %t, want %t", on, got, want)
		}
	}
}
