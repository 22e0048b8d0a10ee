package housing

import (
	"context"
	"errors"
	"sync"
	"testing"

	"talentd/internal/auth"
)

// offerRound commits a public-rental round of one 1-room unit over three single applicants, the
// first of them a key enterprise's worker (ranked first), and returns the live offer and the
// applicants in rank order.
func offerRound(t *testing.T, f *roundsFixture) (Offer, []int64) {
	t.Helper()
	unit := f.units(t, KindPublicRental, 1, 1)
	first := f.application(t, testApplication{kind: KindPublicRental, enterpriseID: f.enterprise(t, true), housing: "无"})
	second := f.application(t, testApplication{kind: KindPublicRental, housing: ""})
	third := f.application(t, testApplication{kind: KindPublicRental, housing: "自有住房"})
	r, err := f.svc.OpenRound(f.ctx, RoundInput{Kind: KindPublicRental, Title: "公租房配租", UnitIDs: unit})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CommitRound(f.ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	page, err := f.svc.ListOffers(f.ctx, OfferFilter{RoundID: r.ID}, pageQuery())
	if err != nil || len(page.Items) != 1 || page.Items[0].ApplicationID != first {
		t.Fatalf("offers %+v, %v: the key enterprise's worker ranks first", page.Items, err)
	}
	// The published list states the parts of each score, which give the score under its settings.
	published, err := f.svc.RoundRanking(f.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range published.Entries {
		if want := priorityScore(published.Settings.PublicRentalPriority, e.KeyEnterprise, e.HouseholdSize, e.NoHousing); e.Priority != want {
			t.Errorf("application %d: priority %d, its published parts give %d", e.ApplicationID, e.Priority, want)
		}
	}
	if e := published.Entries[0]; !e.KeyEnterprise || !e.NoHousing || published.Entries[2].NoHousing {
		t.Errorf("published parts: %+v", published.Entries)
	}
	return page.Items[0], []int64{first, second, third}
}

func TestService_AcceptOffer(t *testing.T) {
	t.Parallel()
	f := newRoundsFixture(t)
	o, apps := offerRound(t, f)
	got, err := f.svc.AcceptOffer(f.ctx, o.ID, AcceptInput{ResidentNames: []string{" 张三 "}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != OfferAccepted || got.LeaseID == nil {
		t.Fatalf("accepted: %+v", got)
	}
	if f.status(t, "housing_units", o.UnitID) != "occupied" || f.status(t, "housing_applications", apps[0]) != "housed" ||
		f.status(t, "housing_leases", *got.LeaseID) != "active" ||
		f.count(t, `SELECT count(*) FROM housing_unit_holds WHERE unit_id = $1 AND lease_id = $2`, o.UnitID, *got.LeaseID) != 1 {
		t.Error("accepting must occupy the unit, house the applicant and move the hold to the lease")
	}
	if _, err := f.svc.DeclineOffer(f.ctx, o.ID, DeclineInput{Reason: "too_far", Text: ""}); !errors.Is(err, ErrOfferNotLive) {
		t.Errorf("declining an accepted offer: %v", err)
	}
	t.Run("ScopeOfHR", func(t *testing.T) {
		other := auth.WithPrincipal(context.Background(), auth.Principal{Username: "hr", Role: auth.RoleEnterpriseHR, EnterpriseID: 999999})
		if _, err := f.svc.GetOffer(other, o.ID); !errors.Is(err, ErrOfferNotFound) {
			t.Errorf("another enterprise's HR: %v, want not found", err)
		}
		if p, err := f.svc.ListOffers(other, OfferFilter{}, pageQuery()); err != nil || len(p.Items) != 0 {
			t.Errorf("another enterprise's HR lists %+v, %v", p.Items, err)
		}
	})
}

func TestService_DeclineOffer_Cascades(t *testing.T) {
	t.Parallel()
	f := newRoundsFixture(t)
	o, apps := offerRound(t, f)
	d, err := f.svc.DeclineOffer(f.ctx, o.ID, DeclineInput{Reason: "too_far", Text: "太远了"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != OfferDeclined || d.NextOffer == nil || d.NextOffer.ApplicationID != apps[1] || d.NextOffer.UnitID != o.UnitID {
		t.Fatalf("declined: %+v next %+v; the unit must go to the second on the list", d.Offer, d.NextOffer)
	}
	var refusals int
	if err := f.db.Get(&refusals, `SELECT refusals FROM housing_applications WHERE id = $1`, apps[0]); err != nil || refusals != 1 ||
		f.status(t, "housing_applications", apps[0]) != "pending" {
		t.Errorf("the decliner waits again with one refusal (%d)", refusals)
	}
	// The second ends the application: the household changed. The unit goes to the third.
	d, err = f.svc.DeclineOffer(f.ctx, d.NextOffer.ID, DeclineInput{Reason: DeclineHouseholdChanged, Text: ""})
	if err != nil || d.NextOffer == nil || d.NextOffer.ApplicationID != apps[2] {
		t.Fatalf("second decline: %+v, %v", d, err)
	}
	if f.status(t, "housing_applications", apps[1]) != "declined" {
		t.Error("household_changed ends the application")
	}

	t.Run("Expiry", func(t *testing.T) {
		f.advance(DefaultSettings().OfferDays + 1)
		if _, err := f.svc.AcceptOffer(f.ctx, d.NextOffer.ID, AcceptInput{}); !errors.Is(err, ErrOfferExpired) {
			t.Errorf("accepting after the last day: %v", err)
		}
		n, err := f.svc.ExpireOffers(f.ctx)
		if err != nil || n != 1 {
			t.Fatalf("expired %d, %v", n, err)
		}
		if f.status(t, "housing_offers", d.NextOffer.ID) != "expired" {
			t.Error("the offer must expire")
		}
		// The third had the unit last; the first was offered it already: nobody is left, the unit is free.
		if f.status(t, "housing_units", o.UnitID) != "available" || f.count(t, `SELECT count(*) FROM housing_unit_holds`) != 0 {
			t.Error("an expired offer nobody can take frees the unit")
		}
		if n, _ := f.svc.ExpireOffers(f.ctx); n != 0 {
			t.Errorf("a second run expired %d", n)
		}
	})
}

func TestService_AnswerOffer_Parallel(t *testing.T) {
	t.Parallel()
	f := newRoundsFixture(t)
	o, _ := offerRound(t, f)
	var wg sync.WaitGroup
	results := make([]error, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				_, results[i] = f.svc.AcceptOffer(f.ctx, o.ID, AcceptInput{})
			} else {
				_, results[i] = f.svc.DeclineOffer(f.ctx, o.ID, DeclineInput{Reason: "rent", Text: ""})
			}
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range results {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ErrOfferNotLive):
			t.Errorf("unexpected: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d answers succeeded, want exactly one", ok)
	}
	if n := f.count(t, `SELECT count(*) FROM housing_offers WHERE unit_id = $1 AND status = 'offered'`, o.UnitID) +
		f.count(t, `SELECT count(*) FROM housing_leases WHERE unit_id = $1`, o.UnitID); n != 1 {
		t.Errorf("the unit has %d live offers and leases, want one", n)
	}
}

// A refusal cascading in one round while another round of the kind commits: both lock
// applicants, in different orders but for the allocation lock, and neither may fail.
func TestService_DeclineWhileCommitting(t *testing.T) {
	t.Parallel()
	f := newRoundsFixture(t)
	first := f.units(t, KindPublicRental, 1, 4)
	for range 30 {
		f.application(t, testApplication{kind: KindPublicRental})
	}
	a, err := f.svc.OpenRound(f.ctx, RoundInput{Kind: KindPublicRental, Title: "甲", UnitIDs: first})
	if err == nil {
		_, err = f.svc.CommitRound(f.ctx, a.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.svc.OpenRound(f.ctx, RoundInput{Kind: KindPublicRental, Title: "乙", UnitIDs: f.units(t, KindPublicRental, 1, 10)})
	if err != nil {
		t.Fatal(err)
	}
	offers, err := f.svc.ListOffers(f.ctx, OfferFilter{RoundID: a.ID}, pageQuery())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	failures := make(chan error, len(offers.Items)+1)
	for _, o := range offers.Items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.svc.DeclineOffer(f.ctx, o.ID, DeclineInput{Reason: "rent", Text: ""}); err != nil {
				failures <- err
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := f.svc.CommitRound(f.ctx, b.ID); err != nil {
			failures <- err
		}
	}()
	wg.Wait()
	close(failures)
	for err := range failures {
		t.Error(err)
	}
	if n := f.count(t, `SELECT count(*) FROM housing_offers WHERE status = 'offered'`); n != 14 {
		t.Errorf("%d live offers, want one for each of the 14 units", n)
	}
}
