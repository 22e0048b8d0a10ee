package subsidy

import (
	"errors"
	"testing"

	"talentd/internal/errs"
)

func TestService_Programmes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := f.programme(t, "bishan_talent", 2026, 1000)
	if p.RemainingFen != 1000 || p.Status != ProgrammeOpen || p.Rules == nil {
		t.Errorf("created: %+v", p)
	}

	t.Run("ErrProgrammeCode", func(t *testing.T) {
		_, err := f.svc.CreateProgramme(office, ProgrammeInput{Kind: KindAward, Code: "bishan_talent", Name: "again",
			Year: 2026, BudgetFen: 1})
		if !errors.Is(err, ErrProgrammeCode) {
			t.Fatalf("duplicate code: %v", err)
		}
	})

	t.Run("RulesKept", func(t *testing.T) {
		q, err := f.svc.CreateProgramme(office, ProgrammeInput{Kind: KindEnterpriseSubsidy, Code: "local_supply", Name: "本地配套",
			Year: 2026, BudgetFen: 830_000_000, Rules: Rules{"local_supply": map[string]any{"rate_bp": float64(300)}}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.Programme(office, q.ID)
		ls, _ := got.Rules["local_supply"].(map[string]any)
		if err != nil || ls["rate_bp"] != float64(300) {
			t.Fatalf("rules read back: %v %v", got.Rules, err)
		}
	})

	// An enterprise subsidy's rules are the calculation's: unknown members and rates above 100 %
	// are refused at the edge, naming the field, and nothing is created.
	t.Run("SubsidyRulesChecked", func(t *testing.T) {
		for name, c := range map[string]struct {
			rules Rules
			loc   string
		}{
			"unknown member": {Rules{"rate_bp": float64(300)}, "body.rules"},
			"rate too high":  {Rules{"rd_investment": map[string]any{"rate_bp": float64(20000)}}, "body.rules.rd_investment.rate_bp"},
		} {
			_, err := f.svc.CreateProgramme(office, ProgrammeInput{Kind: KindEnterpriseSubsidy, Code: "bad_rules", Name: "研发投入",
				Year: 2026, BudgetFen: 1000, Rules: c.rules})
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.Invalid || len(e.Fields) == 0 || e.Fields[0].Location != c.loc {
				t.Errorf("%s: %v", name, err)
			}
		}
	})

	t.Run("ErrKindFixed", func(t *testing.T) {
		in := ProgrammeInput{Kind: KindEnterpriseSubsidy, Code: p.Code, Name: p.Name, Year: p.Year, BudgetFen: p.BudgetFen}
		if _, err := f.svc.UpdateProgramme(office, p.ID, 0, in); !errors.Is(err, ErrKindFixed) {
			t.Fatalf("kind change: %v", err)
		}
	})

	t.Run("BudgetBelowCommitted", func(t *testing.T) {
		award(t, f, p.ID, f.talent(t), 600)
		in := ProgrammeInput{Kind: KindAward, Code: p.Code, Name: p.Name, Year: p.Year, BudgetFen: 599}
		_, err := f.svc.UpdateProgramme(office, p.ID, 0, in)
		if errs.KindOf(err) != errs.Conflict || !errors.Is(err, errs.New(errs.Conflict, "budget_below_committed", "", "")) {
			t.Fatalf("budget below committed: %v", err)
		}
		in.BudgetFen = 600
		got, err := f.svc.UpdateProgramme(office, p.ID, 0, in)
		if err != nil || got.RemainingFen != 0 || got.CommittedFen != 600 {
			t.Fatalf("budget down to committed: %+v %v", got, err)
		}
	})

	t.Run("Closed", func(t *testing.T) {
		q := f.programme(t, "closed_one", 2026, 1000)
		tal := nominee(t, f, q.ID)
		if _, err := f.svc.SetProgrammeStatus(office, q.ID, q.Version, ProgrammeClosed); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Award(office, q.ID, AwardInput{TalentID: tal, AmountFen: 10,
			Instalments: []InstalmentInput{{DueOn: civilDate(2026, 3, 1), AmountFen: 10}}})
		if !errors.Is(err, ErrProgrammeClosed) {
			t.Fatalf("award in a closed programme: %v", err)
		}
	})
}
