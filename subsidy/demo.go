package subsidy

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/civil"
	"talentd/internal/money"
	"talentd/internal/postgres"
	"talentd/talent"
)

// DemoAwardsFen is what the district's talent awards have paid out so far, by the programme's
// report: ¥4,157,900.
const DemoAwardsFen money.Fen = 415_790_000

// demoProgramme is one award programme of the demo: its winners all receive the same amount, in
// two instalments.
type demoProgramme struct {
	code, name string
	winners    int
	eachFen    money.Fen
	budgetFen  money.Fen
}

// demoProgrammes add up to DemoAwardsFen: 19 × ¥100,000 + 31 × ¥30,900 + 26 × ¥50,000.
var demoProgrammes = []demoProgramme{
	{"bishan_talent", "璧山英才", 19, 10_000_000, 250_000_000},
	{"bishan_craftsman", "璧山工匠", 31, 3_090_000, 120_000_000},
	{"enterprise_innovative", "企业创新型人才", 26, 5_000_000, 150_000_000},
}

// demoLoaded tells whether the subsidy demo was loaded, or the office keeps programmes of its own,
// which the demo must not mix with.
const demoLoaded = `SELECT EXISTS (SELECT 1 FROM audit_log WHERE entity_type = 'subsidy' AND entity_id = 'demo'
	AND action = 'subsidy.seed_demo') OR EXISTS (SELECT 1 FROM subsidy_programmes)`

// SeedDemo loads the demo district's award programmes of today's year (idempotent; the registry's
// demo talents must be loaded first): the three programmes, winners drawn from the registered
// talents, each paid in two instalments, the ones already due paid with a bank reference and the
// rest pending. It reports whether it loaded anything.
func (s *Service) SeedDemo(ctx context.Context, today civil.Date) (bool, error) {
	var loaded bool
	if err := s.db.GetContext(ctx, &loaded, demoLoaded); err != nil {
		return false, postgres.Translate(err, "subsidy demo")
	}
	if loaded {
		return false, nil
	}
	clock := talent.DemoClock{Today: today}
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		need := 0
		for _, dp := range demoProgrammes {
			need += dp.winners
		}
		var winners []beneficiaryTalent
		if err := sqlx.SelectContext(ctx, tx, &winners, `SELECT id, name, enterprise_id, status FROM talents
			WHERE status = 'registered' ORDER BY id LIMIT $1`, need); err != nil {
			return translate(err, "demo winners")
		}
		if len(winners) < need {
			return fmt.Errorf("subsidy demo: %d registered talents, %d needed", len(winners), need)
		}
		var approver *int64
		if err := sqlx.GetContext(ctx, tx, &approver, `SELECT min(id) FROM accounts WHERE role = 'finance'`); err != nil {
			return translate(err, "demo approver")
		}
		for _, dp := range demoProgrammes {
			if err := s.seedDemoProgramme(ctx, tx, dp, winners[:dp.winners], today); err != nil {
				return err
			}
			winners = winners[dp.winners:]
		}
		if err := payDueDemoPayouts(ctx, tx, today, clock, approver); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "subsidy.seed_demo", EntityType: "subsidy", EntityID: "demo",
			After: map[string]any{"as_of": today.String(), "awards_fen": DemoAwardsFen}})
	})
	return err == nil, err
}

// demoDueDates are the two instalments' due dates: the first long past, the second a month ago
// for most winners and a month ahead for every fifth, so that most are paid and some pending;
// none before the programme's year begins.
func demoDueDates(today civil.Date, winner int) (civil.Date, civil.Date) {
	start := civil.New(today.Time().Year(), 1, 1)
	first := civil.Of(today.Time().AddDate(0, 0, -200))
	if first.Before(start) {
		first = start
	}
	second := civil.Of(today.Time().AddDate(0, 0, -30))
	if winner%5 == 4 {
		second = civil.Of(today.Time().AddDate(0, 0, 35))
	}
	if !second.After(first) {
		second = civil.Of(first.Time().AddDate(0, 0, 1))
	}
	return first, second
}

// seedDemoProgramme writes one programme and its awards, reserving each award of the budget.
func (s *Service) seedDemoProgramme(ctx context.Context, tx *sqlx.Tx, dp demoProgramme, winners []beneficiaryTalent, today civil.Date) error {
	p, err := insertProgramme(ctx, tx, ProgrammeInput{Kind: KindAward, Code: dp.code, Name: dp.name,
		Year: today.Time().Year(), BudgetFen: dp.budgetFen, Rules: Rules{}, Status: ProgrammeOpen}, nil)
	if err != nil {
		return err
	}
	half := dp.eachFen / 2
	for i, w := range winners {
		if _, err := reserve(ctx, tx, p.ID, dp.eachFen); err != nil {
			return err
		}
		id, err := insertAward(ctx, tx, p.ID, w, nil, dp.eachFen, nil)
		if err != nil {
			return err
		}
		first, second := demoDueDates(today, i)
		if _, err := insertInstalmentPayout(ctx, tx, p.ID, id, w, 1, first, half, nil); err != nil {
			return err
		}
		if _, err := insertInstalmentPayout(ctx, tx, p.ID, id, w, 2, second, dp.eachFen-half, nil); err != nil {
			return err
		}
	}
	return nil
}

// payDueDemoPayouts settles the demo's payouts already due: approved by finance on their due day
// and paid the next office day with a bank reference; the programmes' paid totals follow.
func payDueDemoPayouts(ctx context.Context, tx *sqlx.Tx, today civil.Date, clock talent.DemoClock, approver *int64) error {
	var due []struct {
		ID    int64      `db:"id"`
		DueOn civil.Date `db:"due_on"`
	}
	if err := sqlx.SelectContext(ctx, tx, &due, `SELECT id, due_on FROM subsidy_payouts
		WHERE status = 'pending' AND due_on < $1 ORDER BY id`, today); err != nil {
		return translate(err, "demo due payouts")
	}
	for _, p := range due {
		approved := clock.At(p.DueOn, 0.1)
		paid := clock.At(civil.Of(p.DueOn.Time().AddDate(0, 0, 1)), 0.6)
		if _, err := tx.ExecContext(ctx, `UPDATE subsidy_payouts SET status = 'paid', approved_by_id = $2, approved_at = $3,
			paid_at = $4, bank_reference = $5, attempts = 1 WHERE id = $1`, p.ID, approver, approved, paid,
			fmt.Sprintf("BSCZ%s%06d", p.DueOn.Time().Format("20060102"), p.ID)); err != nil {
			return translate(err, "demo payment")
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE subsidy_programmes g SET paid_fen = s.paid FROM (
		SELECT programme_id, sum(amount_fen) AS paid FROM subsidy_payouts WHERE status = 'paid' GROUP BY programme_id) s
		WHERE g.id = s.programme_id`)
	return translate(err, "demo paid totals")
}
