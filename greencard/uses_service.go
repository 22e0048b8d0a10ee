package greencard

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/idempotency"
	"talentd/internal/postgres"
)

// RecordUse records one use of a service by the holder of the scanned token; see RecordUseOf.
func (s *Service) RecordUse(ctx context.Context, token, code, window, note string) (Use, error) {
	return s.RecordUseOf(ctx, UseInput{Token: token, Service: code, Window: window, Note: note})
}

// RecordUseOf records one use of a service, atomically, only if the card verifies, its class is
// eligible and quota remains. The card is the one whose QR was scanned, or the one named by its
// serial: a window or a commissioner names only a card its own account verified valid today. A
// use a window made offline keeps its time (in.UsedAt) and counts against that year's quota; under
// an idempotency key (in.Request) a repeated request answers the first use and records nothing.
func (s *Service) RecordUseOf(ctx context.Context, in UseInput) (Use, error) {
	p, err := auth.Require(ctx, verifierRoles...)
	if err != nil {
		return Use{}, err
	}
	serial := strings.ToUpper(strings.TrimSpace(in.CardSerial))
	if (in.Token != "") == (serial != "") {
		return Use{}, errUseForm
	}
	now := s.opts.Now()
	usedAt, err := useTime(in.UsedAt, now)
	if err != nil {
		return Use{}, err
	}
	year := civil.InDistrict(usedAt).Time().Year()
	verdict := func(tx *sqlx.Tx) (Verification, error) { return s.checkToken(ctx, tx, in.Token, false) }
	if serial != "" {
		if err := s.requireSight(ctx, p, serial); err != nil {
			return Use{}, err
		}
		verdict = func(tx *sqlx.Tx) (Verification, error) { return s.checkSerial(ctx, tx, serial, false) }
	}
	var out Use
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if in.Request != nil {
			stored, err := idempotency.Begin(ctx, tx, in.Request.Key, in.Request.Fingerprint)
			if err != nil {
				return err
			}
			if stored != nil {
				return stored.Decode(&out)
			}
		}
		v, err := verdict(tx)
		switch {
		case err != nil:
			return err
		case serial != "" && v.Reason == ReasonNotFound:
			return ErrCardNotFound
		case !v.Valid:
			return errCardInvalid(string(v.Reason))
		}
		item, err := serviceItem(ctx, tx, in.Service, false)
		if err != nil {
			return err
		}
		if !slices.Contains(item.Eligible, string(v.Card.Class)) {
			return ErrNotEligible
		}
		if err := takeQuota(ctx, tx, v.talentID, in.Service, year, item.YearlyQuota); err != nil {
			return err
		}
		id, err := insertUseRow(ctx, tx, v.cardID, v.talentID, in.Service, year, usedAt, now, p, strings.TrimSpace(in.Window), strings.TrimSpace(in.Note))
		if err != nil {
			return err
		}
		if out, err = getUse(ctx, tx, id, year, false); err != nil {
			return err
		}
		if err := audit.Write(ctx, tx, audit.Entry{Action: "service_use.record", EntityType: "service_use",
			EntityID: itoa(out.ID), After: out}); err != nil {
			return err
		}
		if in.Request != nil {
			return idempotency.Finish(ctx, tx, in.Request.Key, http.StatusCreated, out)
		}
		return nil
	})
	return out, err
}

// useTime is when a use was made: usedAt, sent by a window that was offline, if it lies within
// MaxUseDelay before now and MaxUseAhead after; else now.
func useTime(usedAt *time.Time, now time.Time) (time.Time, error) {
	switch {
	case usedAt == nil:
		return now, nil
	case usedAt.After(now.Add(MaxUseAhead)):
		return time.Time{}, errUsedAtAhead
	case usedAt.Before(now.Add(-MaxUseDelay)):
		return time.Time{}, errUsedAtTooOld
	}
	return *usedAt, nil
}

// requireSight lets a window or a commissioner act on a card by its serial only once its own
// account verified the card valid today; other roles reach cards by their own scope.
func (s *Service) requireSight(ctx context.Context, p auth.Principal, serial string) error {
	if !p.Is(sightRoles...) {
		return nil
	}
	seen, err := s.verifiedToday(ctx, p, serial, true)
	if err != nil {
		return err
	}
	if !seen {
		return ErrCardNotVerifiedToday
	}
	return nil
}

// maxVoidReason is the longest reason for voiding a use, in characters.
const maxVoidReason = 200

// VoidUse voids a use recorded today, with a reason: the quota unit it took returns to the holder
// and the use stays in the history, marked voided; audited. The office may void any use, a window
// or a commissioner only those its own account recorded (others are not found). A use of an
// earlier day, or one voided already, cannot be voided.
func (s *Service) VoidUse(ctx context.Context, id int64, reason string) (Use, error) {
	p, scope, err := useReaches.Scope(ctx)
	if err != nil {
		return Use{}, err
	}
	if scope.None() {
		return Use{}, auth.ErrForbidden
	}
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return Use{}, errReasonRequired
	case utf8.RuneCountInString(reason) > maxVoidReason:
		return Use{}, errs.Fields(errs.Field("body.reason", "too_long", "原因不能超过200个字", "at most 200 characters", nil))
	}
	today := s.today()
	var out Use
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := getUse(ctx, tx, id, today.Time().Year(), true)
		if err != nil {
			return err
		}
		if !scope.SeesAccount(before.AccountID) {
			return ErrUseNotFound
		}
		if before.VoidedAt != nil {
			return ErrUseVoided
		}
		if usedOn := civil.InDistrict(before.UsedAt); usedOn.Before(today) {
			return errVoidTooLate(usedOn.String())
		}
		if err := voidUseRow(ctx, tx, id, p, reason); err != nil {
			return err
		}
		if err := giveBackQuota(ctx, tx, before); err != nil {
			return err
		}
		if out, err = getUse(ctx, tx, id, today.Time().Year(), false); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "service_use.void", EntityType: "service_use", EntityID: itoa(id),
			Before: map[string]any{"status": before.Status}, After: map[string]any{"status": out.Status, "reason": reason}})
	})
	return out, err
}

// UsesOfTalent lists a talent's service uses, voided ones too, newest first (the caller must see
// the talent).
func (s *Service) UsesOfTalent(ctx context.Context, talentID int64) ([]Use, error) {
	if err := s.seesHolder(ctx, cardReaches, talentID); err != nil {
		return nil, err
	}
	return usesOfTalent(ctx, s.db, talentID, s.today().Time().Year())
}

// UseCounts counts the uses per service in [from, to) that were not voided; HR counts its own
// talent only.
func (s *Service) UseCounts(ctx context.Context, from, to time.Time) ([]UseCount, error) {
	_, scope, err := cardReaches.Scope(ctx)
	if err != nil {
		return nil, err
	}
	if scope.None() {
		return nil, auth.ErrForbidden
	}
	return useCounts(ctx, s.db, from, to, scope)
}
