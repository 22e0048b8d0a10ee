package subsidy

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/money"
)

func civilDate(y, m, d int) civil.Date { return civil.New(y, time.Month(m), d) }

// nominate puts talentID forward for the programme as the office, failing the test on error.
func nominate(t testing.TB, f *fixture, programmeID, talentID int64) Nomination {
	t.Helper()
	n, err := f.svc.Nominate(office, programmeID, NominationInput{TalentID: talentID, Reason: "技术骨干"})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// nominee registers a talent and nominates them for the programme; it returns the talent's id.
func nominee(t testing.TB, f *fixture, programmeID int64) int64 {
	t.Helper()
	id := f.talent(t)
	nominate(t, f, programmeID, id)
	return id
}

// award nominates talentID and selects them with amount paid in one instalment, failing the test
// on error.
func award(t testing.TB, f *fixture, programmeID, talentID int64, amount money.Fen) Award {
	t.Helper()
	nominate(t, f, programmeID, talentID)
	a, err := f.svc.Award(office, programmeID, AwardInput{TalentID: talentID, AmountFen: amount,
		Instalments: []InstalmentInput{{DueOn: civilDate(2026, 6, 30), AmountFen: amount}}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// checkCommitted fails unless the programme's committed and paid columns equal the sums of its
// payouts, and the committed total lies within the budget.
func checkCommitted(t *testing.T, f *fixture, programmeID int64) Programme {
	t.Helper()
	var sums struct {
		Committed int64 `db:"committed"`
		Paid      int64 `db:"paid"`
	}
	if err := f.db.Get(&sums, `SELECT coalesce(sum(amount_fen) FILTER (WHERE status <> 'cancelled'), 0) AS committed,
		coalesce(sum(amount_fen) FILTER (WHERE status = 'paid'), 0) AS paid FROM subsidy_payouts WHERE programme_id = $1`,
		programmeID); err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.Programme(office, programmeID)
	if err != nil {
		t.Fatal(err)
	}
	if int64(p.CommittedFen) != sums.Committed || int64(p.PaidFen) != sums.Paid {
		t.Errorf("programme says committed %d paid %d; its payouts add up to %d and %d", p.CommittedFen, p.PaidFen,
			sums.Committed, sums.Paid)
	}
	if p.CommittedFen > p.BudgetFen || p.RemainingFen != p.BudgetFen-p.CommittedFen {
		t.Errorf("budget overrun: %+v", p)
	}
	return p
}

func TestService_Award(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := f.programme(t, "bishan_talent", 2026, 100_000_00)
	tal := nominee(t, f, p.ID)
	a, err := f.svc.Award(office, p.ID, AwardInput{TalentID: tal, AmountFen: 30_000_00, Instalments: []InstalmentInput{
		{DueOn: civilDate(2026, 3, 1), AmountFen: 10_000_00}, {DueOn: civilDate(2027, 3, 1), AmountFen: 20_000_00}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Instalments) != 2 || a.Instalments[1].Seq != 2 || a.Instalments[1].AmountFen != 20_000_00 ||
		a.Instalments[0].PayoutStatus != PayoutPending || a.Instalments[0].PayoutID == 0 {
		t.Errorf("award: %+v", a)
	}
	if got := checkCommitted(t, f, p.ID); got.CommittedFen != 30_000_00 {
		t.Errorf("committed %d, want 3000000", got.CommittedFen)
	}

	t.Run("ErrAlreadyAwarded", func(t *testing.T) {
		_, err := f.svc.Award(office, p.ID, AwardInput{TalentID: tal, AmountFen: 1,
			Instalments: []InstalmentInput{{DueOn: civilDate(2026, 3, 1), AmountFen: 1}}})
		if !errors.Is(err, ErrAlreadyAwarded) {
			t.Fatalf("second award: %v", err)
		}
		checkCommitted(t, f, p.ID)
	})

	t.Run("DoublePayoutRefusedByDatabase", func(t *testing.T) {
		_, err := f.db.Exec(`INSERT INTO subsidy_payouts (programme_id, beneficiary_kind, talent_id, instalment_id,
			amount_fen, due_on) VALUES ($1, 'talent', $2, $3, 1, '2026-03-01')`, p.ID, tal, a.Instalments[0].ID)
		if err == nil {
			t.Fatal("a second payout of one instalment was stored")
		}
	})

	bad := map[string]AwardInput{
		"sum_mismatch": {AmountFen: 100, Instalments: []InstalmentInput{{DueOn: civilDate(2026, 3, 1), AmountFen: 60},
			{DueOn: civilDate(2026, 9, 1), AmountFen: 39}}},
		"not_ascending": {AmountFen: 100, Instalments: []InstalmentInput{{DueOn: civilDate(2026, 9, 1), AmountFen: 50},
			{DueOn: civilDate(2026, 3, 1), AmountFen: 50}}},
		"before_programme_year": {AmountFen: 100, Instalments: []InstalmentInput{{DueOn: civilDate(2025, 12, 31), AmountFen: 100}}},
		"count":                 {AmountFen: 100},
	}
	for code, in := range bad {
		t.Run(code, func(t *testing.T) {
			in.TalentID = nominee(t, f, p.ID)
			_, err := f.svc.Award(office, p.ID, in)
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.Invalid || len(e.Fields) == 0 || e.Fields[0].Code != code {
				t.Fatalf("got %v, want a 422 with field code %s", err, code)
			}
			checkCommitted(t, f, p.ID)
		})
	}
}

// TestService_AwardNeedsNomination: the office selects winners from the programme's nominees. A
// talent never nominated, nominated for another programme or whose nomination was withdrawn is
// refused not_nominated with nothing written; a nominee's award selects the nomination.
func TestService_AwardNeedsNomination(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := f.programme(t, "bishan_talent", 2026, 100_000_00)
	other := f.programme(t, "bishan_craftsman", 2026, 100_000_00)
	in := func(talentID int64) AwardInput {
		return AwardInput{TalentID: talentID, AmountFen: 1_000_00,
			Instalments: []InstalmentInput{{DueOn: civilDate(2026, 6, 30), AmountFen: 1_000_00}}}
	}
	withdrawn := nominee(t, f, p.ID)
	if _, err := f.db.Exec(`UPDATE subsidy_nominations SET status = 'withdrawn' WHERE talent_id = $1`, withdrawn); err != nil {
		t.Fatal(err)
	}
	for name, talentID := range map[string]int64{
		"never nominated":       f.talent(t),
		"nominated for another": nominee(t, f, other.ID),
		"nomination withdrawn":  withdrawn,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := f.svc.Award(office, p.ID, in(talentID))
			var e *errs.Error
			if !errors.Is(err, ErrNotNominated) || !errors.As(err, &e) || e.Kind != errs.Conflict || e.Zh == "" || e.Message == "" {
				t.Fatalf("award: %v, want not_nominated", err)
			}
		})
	}
	var awards, payouts int
	if err := f.db.Get(&awards, `SELECT count(*) FROM subsidy_awards`); err != nil {
		t.Fatal(err)
	}
	if err := f.db.Get(&payouts, `SELECT count(*) FROM subsidy_payouts`); err != nil {
		t.Fatal(err)
	}
	if awards != 0 || payouts != 0 {
		t.Fatalf("refused awards wrote %d awards and %d payouts", awards, payouts)
	}
	if got := checkCommitted(t, f, p.ID); got.CommittedFen != 0 {
		t.Fatalf("committed %d after refusals", got.CommittedFen)
	}

	tal := f.talent(t)
	n := nominate(t, f, p.ID, tal)
	a, err := f.svc.Award(office, p.ID, in(tal))
	if err != nil {
		t.Fatal(err)
	}
	var selected struct {
		Status       NominationStatus `db:"status"`
		NominationID int64            `db:"nomination_id"`
	}
	if err := f.db.Get(&selected, `SELECT n.status, a.nomination_id FROM subsidy_awards a
		JOIN subsidy_nominations n ON n.id = a.nomination_id WHERE a.id = $1`, a.ID); err != nil {
		t.Fatal(err)
	}
	if selected.Status != NominationAwarded || selected.NominationID != n.ID {
		t.Errorf("the award selected %+v, want nomination %d awarded", selected, n.ID)
	}
	if _, err := f.svc.Award(office, p.ID, in(tal)); !errors.Is(err, ErrAlreadyAwarded) {
		t.Errorf("second award: %v, want already_awarded", err)
	}
}

// TestService_AwardBudgetRace approves awards from 20 goroutines at once against a budget that
// fits only 7 of them: exactly 7 succeed, the rest are refused budget_exceeded, and the committed
// total never passes the budget.
func TestService_AwardBudgetRace(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const each, fits, tries = 1_000_00, 7, 20
	p := f.programme(t, "race", 2026, each*fits+each/2)
	talents := make([]int64, tries)
	for i := range talents {
		talents[i] = nominee(t, f, p.ID)
	}
	var wg sync.WaitGroup
	results := make([]error, tries)
	for i := range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, results[i] = f.svc.Award(office, p.ID, AwardInput{TalentID: talents[i], AmountFen: each,
				Instalments: []InstalmentInput{{DueOn: civilDate(2026, 12, 1), AmountFen: each}}})
		}()
	}
	wg.Wait()
	ok := 0
	for i, err := range results {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ErrBudgetExceeded):
			t.Errorf("award %d: %v", i, err)
		}
	}
	if ok != fits {
		t.Errorf("%d awards fit, want %d", ok, fits)
	}
	if got := checkCommitted(t, f, p.ID); got.CommittedFen != each*fits {
		t.Errorf("committed %d, want %d", got.CommittedFen, each*fits)
	}
}

func TestService_BudgetExceededMessage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := f.programme(t, "small", 2026, 100_00)
	_, err := f.svc.Award(office, p.ID, AwardInput{TalentID: nominee(t, f, p.ID), AmountFen: 150_00,
		Instalments: []InstalmentInput{{DueOn: civilDate(2026, 12, 1), AmountFen: 150_00}}})
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != "budget_exceeded" {
		t.Fatalf("got %v", err)
	}
	want := "超出项目预算：预算 100.00 元，已承诺 0.00 元，剩余 100.00 元，本次需要 150.00 元"
	if e.Zh != want {
		t.Errorf("zh %q, want %q", e.Zh, want)
	}
	if n := fmt.Sprint(checkCommitted(t, f, p.ID).CommittedFen); n != "0.00" {
		t.Errorf("committed %s after a refusal", n)
	}
}

// TestService_TalentLeftHoldsPayouts: a talent who leaves the registry has their unpaid
// instalments held (audited), never left to be paid; a paid one stays paid.
func TestService_TalentLeftHoldsPayouts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := f.programme(t, "bishan_craftsman", 2026, 100_000_00)
	tal, other := nominee(t, f, p.ID), f.talent(t)
	a, err := f.svc.Award(office, p.ID, AwardInput{TalentID: tal, AmountFen: 300, Instalments: []InstalmentInput{
		{DueOn: civilDate(2026, 3, 1), AmountFen: 100}, {DueOn: civilDate(2026, 6, 1), AmountFen: 100},
		{DueOn: civilDate(2026, 9, 1), AmountFen: 100}}})
	if err != nil {
		t.Fatal(err)
	}
	award(t, f, p.ID, other, 500)
	// The first instalment was paid, the second approved; the ledger's own operations come later.
	if _, err := f.db.Exec(`UPDATE subsidy_payouts SET status = 'paid', paid_at = now(), bank_reference = 'REF1' WHERE id = $1`,
		a.Instalments[0].PayoutID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(`UPDATE subsidy_programmes SET paid_fen = paid_fen + 100 WHERE id = $1`, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(`UPDATE subsidy_payouts SET status = 'approved' WHERE id = $1`, a.Instalments[1].PayoutID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.reg.Leave(office, tal, "调离本区"); err != nil {
		t.Fatal(err)
	}
	var statuses []string
	if err := f.db.Select(&statuses, `SELECT status FROM subsidy_payouts WHERE talent_id = $1 ORDER BY id`, tal); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(statuses) != "[paid held held]" {
		t.Errorf("leaver's payouts: %v", statuses)
	}
	var others []string
	if err := f.db.Select(&others, `SELECT status FROM subsidy_payouts WHERE talent_id = $1`, other); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(others) != "[pending]" {
		t.Errorf("another talent's payout: %v", others)
	}
	var audited int
	if err := f.db.Get(&audited, `SELECT count(*) FROM audit_log WHERE action = 'subsidy_payout.hold'`); err != nil {
		t.Fatal(err)
	}
	if audited != 2 {
		t.Errorf("%d holds audited, want 2", audited)
	}
	checkCommitted(t, f, p.ID)
}
