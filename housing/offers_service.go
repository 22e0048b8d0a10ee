package housing

import (
	"context"
	"errors"
	"strings"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/etag"
	"talentd/internal/page"
	"talentd/internal/postgres"
)

// ListOffers lists the offers the caller may see (HR: its own enterprise's), newest first.
func (s *Service) ListOffers(ctx context.Context, f OfferFilter, q page.Query) (page.Of[Offer], error) {
	_, scope, err := applicationReaches.Scope(ctx)
	if err != nil {
		return page.Of[Offer]{}, err
	}
	return listPage(q, func(after int64, limit int) ([]Offer, error) {
		return listOffers(ctx, s.db, f, scope, after, limit)
	}, func(o Offer) int64 { return o.ID })
}

// GetOffer returns an offer the caller may see; another enterprise's is not found.
func (s *Service) GetOffer(ctx context.Context, id int64) (Offer, error) {
	_, scope, err := applicationReaches.Scope(ctx)
	if err != nil {
		return Offer{}, err
	}
	o, err := getOffer(ctx, s.db, id, false)
	if err != nil {
		return Offer{}, err
	}
	if !scope.SeesEnterprise(o.EnterpriseID) {
		return Offer{}, ErrOfferNotFound
	}
	return o.Offer, nil
}

// liveOffer is a live offer being answered, with its unit and application locked.
type liveOffer struct {
	offerRow
	unit Unit
	app  Application
}

// answering locks a live offer in the caller's scope, then (with cascade, for a refusal whose unit
// moves on) the allocation of its kind, then its unit and its application (units before
// applications, as everywhere).
func (s *Service) answering(ctx context.Context, tx *sqlx.Tx, scope auth.Scope, id int64, ifVersion int, cascade bool) (liveOffer, error) {
	var l liveOffer
	var err error
	if l.offerRow, err = getOffer(ctx, tx, id, true); err != nil {
		return l, err
	}
	if !scope.SeesEnterprise(l.EnterpriseID) {
		return l, ErrOfferNotFound
	}
	if err := etag.Check(ifVersion, l.Version); err != nil {
		return l, err
	}
	if l.Status != OfferOffered {
		return l, ErrOfferNotLive
	}
	if cascade {
		if err := lockAllocation(ctx, tx, l.Kind); err != nil {
			return l, err
		}
	}
	if l.unit, err = getUnit(ctx, tx, l.UnitID, true); err != nil {
		return l, err
	}
	l.app, err = getApplication(ctx, tx, l.ApplicationID, true)
	return l, err
}

// AcceptOffer accepts a live offer for the household (the housing office, the talent office, or
// HR of the application's enterprise) and creates the lease: from today for the configured number
// of months, at the unit's rent after the class discount for a talent apartment, for the
// household's size. An offer past its last day cannot be accepted.
func (s *Service) AcceptOffer(ctx context.Context, id int64, in AcceptInput) (OfferDecision, error) {
	p, scope, err := applicationReaches.Scope(ctx)
	if err != nil {
		return OfferDecision{}, err
	}
	if scope.None() {
		return OfferDecision{}, auth.ErrForbidden
	}
	names := make([]string, 0, len(in.ResidentNames))
	for _, n := range in.ResidentNames {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	var leaseID int64
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		o, err := s.answering(ctx, tx, scope, id, in.IfVersion, false)
		if err != nil {
			return err
		}
		today := s.todayInDistrict()
		if o.ExpiresOn.Before(today) {
			return ErrOfferExpired
		}
		if len(names) > o.app.HouseholdSize {
			return errTooManyResidents
		}
		st, err := settingsInForce(ctx, tx)
		if err != nil {
			return err
		}
		if err := closeOffer(ctx, tx, id, OfferAccepted, nil, "", p.ActorID()); err != nil {
			return err
		}
		lease, err := createLease(ctx, tx, s, o.Offer, o.app, o.unit, st, today, names)
		if err != nil {
			return err
		}
		leaseID = lease.ID
		rent := lease.MonthlyRentFen
		return audit.Write(ctx, tx, audit.Entry{Action: "housing_offer.accept", EntityType: "housing_offer", EntityID: auditID(id),
			Before: map[string]any{"status": o.Status},
			After:  map[string]any{"status": OfferAccepted, "lease_id": leaseID, "unit_id": o.UnitID, "monthly_rent_fen": rent}})
	})
	if err != nil {
		return OfferDecision{}, err
	}
	o, err := getOffer(ctx, s.db, id, false)
	return OfferDecision{Offer: o.Offer, LeaseID: &leaseID}, err
}

// DeclineOffer records a refusal of a live offer with its reason: the unit is freed and offered
// to the next applicant on the round's list who fits it; the applicant waits again with one
// refusal more, or, when the household changed, the application ends declined.
func (s *Service) DeclineOffer(ctx context.Context, id int64, in DeclineInput) (OfferDecision, error) {
	p, scope, err := applicationReaches.Scope(ctx)
	if err != nil {
		return OfferDecision{}, err
	}
	if scope.None() {
		return OfferDecision{}, auth.ErrForbidden
	}
	if !DeclineReasonVocab.Has(string(in.Reason)) {
		return OfferDecision{}, errDeclineReasonRequired
	}
	var next *int64
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		next, err = s.lapse(ctx, tx, p, scope, id, in.IfVersion, OfferDeclined, in.Reason, strings.TrimSpace(in.Text))
		return err
	})
	if err != nil {
		return OfferDecision{}, err
	}
	return s.decision(ctx, id, next)
}

// decision reads an answered offer and the one its unit went to next.
func (s *Service) decision(ctx context.Context, id int64, next *int64) (OfferDecision, error) {
	o, err := getOffer(ctx, s.db, id, false)
	if err != nil {
		return OfferDecision{}, err
	}
	out := OfferDecision{Offer: o.Offer}
	if next != nil {
		n, err := getOffer(ctx, s.db, *next, false)
		if err != nil {
			return OfferDecision{}, err
		}
		out.NextOffer = &n.Offer
	}
	return out, nil
}

// lapse ends a live offer that was refused (declined) or not answered in time (expired): the
// refusal is counted, the unit released and cascaded to the next applicant on the round's list.
// It returns the new offer of the unit, if any.
func (s *Service) lapse(ctx context.Context, tx *sqlx.Tx, p auth.Principal, scope auth.Scope, id int64, ifVersion int,
	status OfferStatus, reason DeclineReason, text string) (*int64, error) {
	o, err := s.answering(ctx, tx, scope, id, ifVersion, true)
	if err != nil {
		return nil, err
	}
	if err := closeOffer(ctx, tx, id, status, &reason, text, p.ActorID()); err != nil {
		return nil, err
	}
	if err := releaseUnit(ctx, tx, o.UnitID, id); err != nil {
		return nil, err
	}
	if err := refuseApplication(ctx, tx, o.app.ID, reason == DeclineHouseholdChanged); err != nil {
		return nil, err
	}
	next, err := s.cascade(ctx, tx, o.RoundID, o.UnitID, o.unit.Rooms)
	if err != nil {
		return nil, err
	}
	return next, audit.Write(ctx, tx, audit.Entry{Action: "housing_offer." + string(status), EntityType: "housing_offer",
		EntityID: auditID(id), Before: map[string]any{"status": o.Status},
		After: map[string]any{"status": status, "reason": reason, "text": text, "next_offer_id": next}})
}

// cascade offers a freed unit to the first applicant on the round's list who still waits, holds
// no live offer, was not offered this unit before and whose household fits it.
func (s *Service) cascade(ctx context.Context, tx *sqlx.Tx, roundID, unitID int64, rooms int) (*int64, error) {
	st, err := settingsInForce(ctx, tx)
	if err != nil {
		return nil, err
	}
	candidates, err := cascadeCandidates(ctx, tx, roundID, unitID)
	if err != nil {
		return nil, err
	}
	for _, c := range candidates {
		a := rankedApplication{HouseholdSize: int32(c.HouseholdSize), Preferred: preferenceMask(c.PreferredRooms)}
		if !st.Fits(rooms, c.HouseholdSize) || !a.prefers(int32(rooms)) {
			continue
		}
		// Read without a lock, so confirm under one: someone may have withdrawn meanwhile.
		pending, err := lockPendingApplication(ctx, tx, c.ApplicationID)
		if err != nil {
			return nil, err
		}
		if !pending {
			continue
		}
		ids, err := makeOffers(ctx, tx, roundID, []int64{c.ApplicationID}, []int64{unitID}, s.offerExpiry(st))
		if err != nil {
			return nil, err
		}
		return &ids[0], nil
	}
	return nil, nil
}

// ExpireOffers ends every live offer whose last day to answer has passed, each in its own
// transaction as a refusal for no response, cascading its unit (housing office; the caller may
// schedule it daily). It returns how many offers expired.
func (s *Service) ExpireOffers(ctx context.Context) (int, error) {
	p, err := auth.Require(ctx, housingRoles...)
	if err != nil {
		return 0, err
	}
	scope := applicationReaches.ScopeOf(p)
	ids, err := expiredOfferIDs(ctx, s.db, s.todayInDistrict())
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
			_, err := s.lapse(ctx, tx, p, scope, id, 0, OfferExpired, DeclineNoResponse, "")
			return err
		})
		switch {
		case err == nil:
			n++
		case errors.Is(err, ErrOfferNotLive):
			// answered meanwhile
		default:
			return n, err
		}
	}
	return n, nil
}
