package main

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// TestServe_ExpiresHousingOffers: serve's expiry loop lapses an offer past its last day without
// anyone asking — the unit is free again and the applicant waits with one refusal more.
func TestServe_ExpiresHousingOffers(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	app := e.fileHousing(t, "hr-x", publicRentalBody(newIDNumber()), http.StatusCreated)
	offer, unit := e.housingOffer(t, app.ID)
	e.db.MustExec(`UPDATE housing_offers SET expires_on = CURRENT_DATE - 2 WHERE id = $1`, offer)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { expireHousingOffers(ctx, e.svc.housing, time.Hour, discardLog()); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for e.count(`SELECT count(*) FROM housing_offers WHERE id = `+strconv.FormatInt(offer, 10)+` AND status = 'expired'`) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the offer past its last day never expired")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	if n := e.count(`SELECT count(*) FROM housing_units WHERE id = ` + strconv.FormatInt(unit, 10) + ` AND status = 'available'`); n != 1 {
		t.Error("the expired offer's unit is not available again")
	}
	if n := e.count(`SELECT count(*) FROM housing_applications WHERE id = ` + strconv.FormatInt(app.ID, 10) + ` AND status = 'pending' AND refusals = 1`); n != 1 {
		t.Error("the applicant does not wait again with one refusal")
	}
}
