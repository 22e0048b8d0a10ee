package housing

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/fieldcrypt"
	"talentd/internal/pgtest"
	"talentd/talent"
)

// leaseFixture is a housing service over a fresh database with one enterprise and one unit.
type leaseFixture struct {
	db   *sqlx.DB
	svc  *Service
	ctx  context.Context
	gen  *talent.Generator
	ent  talent.Enterprise
	unit Unit
}

func newLeaseFixture(t *testing.T) *leaseFixture {
	t.Helper()
	db := pgtest.New(t)
	ring, err := fieldcrypt.NewRing(bytes.Repeat([]byte{1}, 32), nil, bytes.Repeat([]byte{2}, 32))
	if err != nil {
		t.Fatal(err)
	}
	reg := talent.NewService(db, ring)
	f := &leaseFixture{db: db, svc: NewService(db, ring, reg, Options{}), gen: talent.NewGenerator(7),
		ctx: auth.WithPrincipal(context.Background(), auth.Principal{Username: "housing", Role: auth.RoleHousingOffice})}
	sys := auth.WithPrincipal(context.Background(), auth.System)
	if f.ent, err = reg.CreateEnterprise(sys, talent.DemoEnterpriseInputs()[0]); err != nil {
		t.Fatal(err)
	}
	var estate int64
	if err := db.Get(&estate, `INSERT INTO housing_estates (name) VALUES ('璧泉公寓') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&f.unit, `INSERT INTO housing_units (estate_id, building, number, floor, rooms, area_m2, kind, monthly_rent_fen)
		VALUES ($1, '1', '101', 1, 2, 60, 'public_rental', 90000)
		RETURNING id, estate_id, building, number, floor, rooms, area_m2, kind, monthly_rent_fen, status, version, created_at, updated_at`,
		estate); err != nil {
		t.Fatal(err)
	}
	return f
}

// apply files a public-rental application for a fresh person.
func (f *leaseFixture) apply(t *testing.T) Application {
	t.Helper()
	a, err := f.applyFor(f.gen.Talent(talent.GradeD, nil).IDNumber)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// applyFor files a public-rental application for the person with the identity number.
func (f *leaseFixture) applyFor(idNumber string) (Application, error) {
	return f.svc.FileApplication(f.ctx, ApplicationInput{Kind: KindPublicRental, EnterpriseID: &f.ent.ID, HouseholdSize: 2,
		Applicant: &ApplicantInput{Name: "王五", IDNumber: idNumber}})
}

// offer makes a live offer of the fixture's unit to the application, holding the unit, as a
// committed round would.
func (f *leaseFixture) offer(t *testing.T, a Application) Offer {
	t.Helper()
	var round int64
	if err := f.db.Get(&round, `INSERT INTO housing_rounds (kind, title, seed_sha256, seed_cipher)
		VALUES ('public_rental', 'test', $1, $2) RETURNING id`, bytes.Repeat([]byte{3}, 32), []byte{4}); err != nil {
		t.Fatal(err)
	}
	var o Offer
	if err := f.db.Get(&o, `INSERT INTO housing_offers (round_id, application_id, unit_id, expires_on)
		VALUES ($1, $2, $3, CURRENT_DATE + 14)
		RETURNING id, round_id, application_id, unit_id, status, offered_at, expires_on, version`, round, a.ID, f.unit.ID); err != nil {
		t.Fatal(err)
	}
	f.db.MustExec(`INSERT INTO housing_unit_holds (unit_id, offer_id) VALUES ($1, $2)`, f.unit.ID, o.ID)
	f.db.MustExec(`UPDATE housing_units SET status = 'offered' WHERE id = $1`, f.unit.ID)
	f.db.MustExec(`UPDATE housing_applications SET status = 'offered' WHERE id = $1`, a.ID)
	return o
}

// lease accepts the offer in a transaction of its own, as the offer's accept path does.
func (f *leaseFixture) lease(o Offer, a Application, start civil.Date) (Lease, error) {
	tx, err := f.db.BeginTxx(f.ctx, nil)
	if err != nil {
		return Lease{}, err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.Exec(`UPDATE housing_offers SET status = 'accepted', decided_at = now() WHERE id = $1 AND status = 'offered'`, o.ID); err != nil {
		return Lease{}, err
	}
	l, err := createLease(f.ctx, tx, f.svc, o, a, f.unit, DefaultSettings(), start, nil)
	if err != nil {
		return Lease{}, err
	}
	return l, tx.Commit()
}

func (f *leaseFixture) unitStatus(t *testing.T) string {
	t.Helper()
	var s string
	if err := f.db.Get(&s, `SELECT status FROM housing_units WHERE id = $1`, f.unit.ID); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCreateLease_MovesTheHold(t *testing.T) {
	t.Parallel()
	f := newLeaseFixture(t)
	a := f.apply(t)
	o := f.offer(t, a)
	l, err := f.lease(o, a, civil.New(2026, time.January, 31))
	if err != nil {
		t.Fatal(err)
	}
	if l.Status != LeaseActive || l.MonthlyRentFen != 90000 || l.Residents != 2 || l.Tenant.Name != "王五" ||
		l.Tenant.IDNumber != a.Applicant.IDNumber || l.EndOn != civil.New(2029, time.January, 31) ||
		l.EnterpriseID == nil || *l.EnterpriseID != f.ent.ID {
		t.Errorf("lease: %+v", l)
	}
	var leaseID *int64
	if err := f.db.Get(&leaseID, `SELECT lease_id FROM housing_unit_holds WHERE unit_id = $1 AND offer_id IS NULL`, f.unit.ID); err != nil ||
		leaseID == nil || *leaseID != l.ID {
		t.Errorf("the hold must move to the lease: %v %v", leaseID, err)
	}
	if s := f.unitStatus(t); s != "occupied" {
		t.Errorf("unit %s", s)
	}
	if got, _ := f.svc.GetApplication(f.ctx, a.ID); got.Status != ApplicationHoused {
		t.Errorf("application %s", got.Status)
	}

}

func TestApplications_HousedPeopleCannotApply(t *testing.T) {
	t.Parallel()
	f := newLeaseFixture(t)
	idNumber := f.gen.Talent(talent.GradeD, nil).IDNumber
	a, err := f.applyFor(idNumber)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.applyFor(idNumber); !errors.Is(err, ErrLiveApplication) {
		t.Errorf("second live application: %v", err)
	}
	if _, err := f.lease(f.offer(t, a), a, civil.New(2026, time.May, 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.applyFor(idNumber); !errors.Is(err, ErrAlreadyHoused) {
		t.Errorf("want ErrAlreadyHoused, got %v", err)
	}
}

func TestCreateLease_OneWinsARace(t *testing.T) {
	t.Parallel()
	f := newLeaseFixture(t)
	a, b := f.apply(t), f.apply(t)
	o := f.offer(t, a)
	errsOf := make([]error, 2)
	var wg sync.WaitGroup
	for i, app := range []Application{a, b} {
		wg.Go(func() { _, errsOf[i] = f.lease(o, app, civil.New(2026, time.March, 1)) })
	}
	wg.Wait()
	won := 0
	for _, err := range errsOf {
		switch {
		case err == nil:
			won++
		case errs.KindOf(err) != errs.Conflict:
			t.Errorf("the loser must get a conflict, got %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d leases created for one unit: %v", won, errsOf)
	}
	var n int
	f.db.Get(&n, `SELECT count(*) FROM housing_leases WHERE unit_id = $1 AND status = 'active'`, f.unit.ID)
	if n != 1 {
		t.Errorf("%d active leases on the unit", n)
	}
}

func TestLeases_RenewAndTerminateFreeTheUnit(t *testing.T) {
	t.Parallel()
	f := newLeaseFixture(t)
	a := f.apply(t)
	l, err := f.lease(f.offer(t, a), a, civil.New(2026, time.January, 31))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("renew", func(t *testing.T) {
		if _, err := f.svc.RenewLease(f.ctx, l.ID, l.Version+1, 12); !errors.Is(err, errs.New(errs.PreconditionFailed, "stale", "", "")) {
			t.Errorf("stale version: %v", err)
		}
		r, err := f.svc.RenewLease(f.ctx, l.ID, l.Version, 1)
		if err != nil {
			t.Fatal(err)
		}
		if r.EndOn != civil.New(2029, time.February, 28) || r.Version != l.Version+1 {
			t.Errorf("renewed: %s v%d", r.EndOn, r.Version)
		}
		hr := auth.WithPrincipal(context.Background(), auth.Principal{Username: "hr", Role: auth.RoleEnterpriseHR, EnterpriseID: f.ent.ID})
		if _, err := f.svc.RenewLease(hr, l.ID, 0, 1); errs.KindOf(err) != errs.Forbidden {
			t.Errorf("HR renews: %v", err)
		}
	})

	t.Run("terminate", func(t *testing.T) {
		if _, err := f.svc.TerminateLease(f.ctx, l.ID, 0, civil.New(2025, time.December, 1), "退租"); errs.KindOf(err) != errs.Invalid {
			t.Errorf("ended before start: %v", err)
		}
		e, err := f.svc.TerminateLease(f.ctx, l.ID, 0, civil.New(2026, time.June, 30), "租户自愿退租")
		if err != nil {
			t.Fatal(err)
		}
		if e.Status != LeaseEnded || e.EndedOn == nil || *e.EndedOn != civil.New(2026, time.June, 30) || e.EndReason != "租户自愿退租" {
			t.Errorf("ended: %+v", e)
		}
		if s := f.unitStatus(t); s != "available" {
			t.Errorf("unit %s after the lease ended", s)
		}
		var holds int
		f.db.Get(&holds, `SELECT count(*) FROM housing_unit_holds WHERE unit_id = $1`, f.unit.ID)
		if holds != 0 {
			t.Errorf("%d holds left on a free unit", holds)
		}
		if _, err := f.svc.TerminateLease(f.ctx, l.ID, 0, civil.New(2026, time.July, 1), "again"); !errors.Is(err, ErrLeaseEnded) {
			t.Errorf("terminate twice: %v", err)
		}
	})

	t.Run("the freed unit can be let again", func(t *testing.T) {
		b := f.apply(t)
		if _, err := f.lease(f.offer(t, b), b, civil.New(2026, time.July, 1)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestApplications_WithdrawReleasesTheOffer(t *testing.T) {
	t.Parallel()
	f := newLeaseFixture(t)
	a := f.apply(t)
	o := f.offer(t, a)
	w, err := f.svc.WithdrawApplication(f.ctx, a.ID, "已另行租房")
	if err != nil {
		t.Fatal(err)
	}
	if w.Status != ApplicationWithdrawn {
		t.Errorf("application %s", w.Status)
	}
	var status string
	f.db.Get(&status, `SELECT status FROM housing_offers WHERE id = $1`, o.ID)
	if status != "withdrawn" {
		t.Errorf("offer %s", status)
	}
	if s := f.unitStatus(t); s != "available" {
		t.Errorf("unit %s", s)
	}
	var holds int
	f.db.Get(&holds, `SELECT count(*) FROM housing_unit_holds`)
	if holds != 0 {
		t.Errorf("%d holds left", holds)
	}
}
