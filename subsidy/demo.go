package subsidy

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/civil"
	"talentd/internal/money"
	"talentd/internal/postgres"
	"talentd/talent"
)

// The demo district's subsidy figures, from the programme's report: ¥4,157,900 of talent awards
// paid, and ¥8,300,000 of subsidies paid to 11 key and 36 local supplier enterprises.
const (
	// DemoAwardsFen is what the district's talent awards have paid out: ¥4,157,900.
	DemoAwardsFen money.Fen = 415_790_000
	// DemoSupplierSubsidyFen is what the supplier programme has paid to the key and local supplier
	// enterprises: ¥8,300,000.
	DemoSupplierSubsidyFen money.Fen = 830_000_000
)

// demoLoaded tells whether the subsidy demo was loaded, or the office keeps programmes of its own,
// which the demo must not mix with.
const demoLoaded = `SELECT EXISTS (SELECT 1 FROM audit_log WHERE entity_type = 'subsidy' AND entity_id = 'demo'
	AND action = 'subsidy.seed_demo') OR EXISTS (SELECT 1 FROM subsidy_programmes)`

// SeedDemo loads the demo district's programmes of today's year (idempotent; the registry's demo
// enterprises and talents, and the demo accounts if any, must be loaded first), in one
// transaction, through the stores the services use:
//
//   - the three award programmes: winners nominated by their enterprise's HR (or the office),
//     selected by the office and paid in full, DemoAwardsFen in all (demo_awards.go);
//   - the supplier programme: an application of each key and local supplier enterprise,
//     calculated by the programme's rules and approved by the office, every payout approved by
//     finance and paid through one payout run, exported and settled by the bank's status report,
//     DemoSupplierSubsidyFen in all; and a second, smaller round whose payouts are still pending,
//     approved, failed, or failed and retried (demo_subsidies.go).
//
// It reports whether it loaded anything.
func (s *Service) SeedDemo(ctx context.Context, today civil.Date) (bool, error) {
	var loaded bool
	if err := s.db.GetContext(ctx, &loaded, demoLoaded); err != nil {
		return false, postgres.Translate(err, "subsidy demo")
	}
	if loaded {
		return false, nil
	}
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		d := &demoSeed{s: s, ctx: ctx, tx: tx, today: today, clock: talent.DemoClock{Today: today}}
		if err := d.loadActors(); err != nil {
			return err
		}
		if err := d.seedAwards(); err != nil {
			return err
		}
		if err := d.seedSupplierSubsidies(); err != nil {
			return err
		}
		if err := d.seedSecondRound(); err != nil {
			return err
		}
		// A programme last changed when its last payout did.
		if _, err := tx.ExecContext(ctx, `UPDATE subsidy_programmes g SET updated_at = p.last
			FROM (SELECT programme_id, max(updated_at) AS last FROM subsidy_payouts GROUP BY programme_id) p
			WHERE g.id = p.programme_id`); err != nil {
			return translate(err, "demo dates")
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "subsidy.seed_demo", EntityType: "subsidy", EntityID: "demo",
			After: map[string]any{"as_of": today.String(), "awards_fen": DemoAwardsFen,
				"supplier_subsidies_fen": DemoSupplierSubsidyFen}})
	})
	return err == nil, err
}

// demoSeed is one load of the subsidy demo: the transaction it writes in, the day it is loaded
// and the accounts that act in it.
type demoSeed struct {
	s     *Service
	ctx   context.Context
	tx    *sqlx.Tx
	today civil.Date
	clock talent.DemoClock
	// office approves and prepares, finance approves payouts (never the same account); hr is the
	// HR account of each enterprise that has one. Without the demo accounts they are nil.
	office, finance *int64
	hr              map[int64]int64
}

// loadActors finds the demo accounts that act in the demo: the first office and finance accounts
// and each enterprise's first HR account.
func (d *demoSeed) loadActors() error {
	if err := sqlx.GetContext(d.ctx, d.tx, &d.office, `SELECT min(id) FROM accounts WHERE role = 'talent_office'`); err != nil {
		return translate(err, "demo office account")
	}
	if err := sqlx.GetContext(d.ctx, d.tx, &d.finance, `SELECT min(id) FROM accounts WHERE role = 'finance'`); err != nil {
		return translate(err, "demo finance account")
	}
	var hr []struct {
		EnterpriseID int64 `db:"enterprise_id"`
		ID           int64 `db:"id"`
	}
	if err := sqlx.SelectContext(d.ctx, d.tx, &hr, `SELECT enterprise_id, min(id) AS id FROM accounts
		WHERE role = 'enterprise_hr' GROUP BY enterprise_id`); err != nil {
		return translate(err, "demo HR accounts")
	}
	d.hr = make(map[int64]int64, len(hr))
	for _, a := range hr {
		d.hr[a.EnterpriseID] = a.ID
	}
	return nil
}

// hrOr is the HR account of the enterprise, or else the fallback (the office): who acts for an
// enterprise or its talent.
func (d *demoSeed) hrOr(enterpriseID *int64, fallback *int64) *int64 {
	if enterpriseID == nil {
		return fallback
	}
	if id, ok := d.hr[*enterpriseID]; ok {
		return &id
	}
	return fallback
}

// day is the day daysAgo days before the load day, but not before the programmes' year begins:
// steps dated further apart keep their order, and none falls outside the year.
func (d *demoSeed) day(daysAgo int) civil.Date {
	day := civil.Of(d.today.Time().AddDate(0, 0, -daysAgo))
	if start := civil.New(d.year(), 1, 1); day.Before(start) {
		return start
	}
	return day
}

// at is the instant frac of the way through the office day daysAgo days back (see day). Each step
// of the demo has its own frac, later steps larger, so that steps that fall on one day (at the
// start of the year) still come in order.
func (d *demoSeed) at(daysAgo int, frac float64) time.Time { return d.clock.At(d.day(daysAgo), frac) }

// year is the demo programmes' year: the load day's.
func (d *demoSeed) year() int { return d.today.Time().Year() }

// demoBanks are the CNAPS codes of the banks the demo's beneficiaries hold their accounts at.
var demoBanks = []string{"102653000017", "103653000012", "104653000015", "105653000018", "313653000013", "314653000016"}

// setBankAccount records the beneficiary's account on a payout, sealed, as the office does, at the
// instant given.
func (d *demoSeed) setBankAccount(payoutID int64, number, holder string, at time.Time) error {
	bank := demoBanks[int(payoutID)%len(demoBanks)]
	if err := setBankAccount(d.ctx, d.tx, payoutID, d.s.ring.Seal(number, bankAccountPurpose), maskAccount(number), holder,
		bank); err != nil {
		return err
	}
	return d.dated(`UPDATE subsidy_payouts SET updated_at = $2 WHERE id = $1`, payoutID, at)
}

// approvePayout is finance's approval of a pending payout at the instant given.
func (d *demoSeed) approvePayout(payoutID int64, at time.Time) error {
	if err := changePayout(d.ctx, d.tx, payoutID, payoutChange{Status: PayoutApproved, Approve: true,
		ApprovedByID: d.finance}); err != nil {
		return err
	}
	return d.dated(`UPDATE subsidy_payouts SET approved_at = $2, updated_at = $2 WHERE id = $1`, payoutID, at)
}

// dated runs an update that dates a demo row to the instant it happened.
func (d *demoSeed) dated(query string, id int64, at time.Time) error {
	_, err := d.tx.ExecContext(d.ctx, query, id, at)
	return translate(err, "demo dates")
}

// demoErr says that the demo's figures do not come out as the report states them: the demo's
// tables and rules disagree, which a test catches.
func demoErr(what string, got, want money.Fen) error {
	return fmt.Errorf("subsidy demo: %s add up to %s yuan, not %s", what, got.Yuan(), want.Yuan())
}
