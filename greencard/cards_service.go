package greencard

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/cardtoken"
	"talentd/internal/errs"
	"talentd/internal/postgres"
	"talentd/talent"
)

// issueOrReissue gives a registered talent a card of the grade: a new version of its card, or a
// new card when it has none or only a revoked one. The previous version's QR stops verifying
// (superseded).
func (s *Service) issueOrReissue(ctx context.Context, tx sqlx.ExtContext, talentID int64, grade, reason string) (Card, error) {
	card, found, err := cardOfTalent(ctx, tx, talentID, true)
	if err != nil {
		return Card{}, err
	}
	version, action := 1, "card.issue"
	if found && card.Status != CardRevoked {
		version, action = card.CurrentVersion+1, "card.reissue"
	} else if card, err = insertCardRow(ctx, tx, s.opts.SerialPrefix, talentID); err != nil {
		return Card{}, err
	}
	keyID, priv, err := s.keys.signer(ctx, tx)
	if err != nil {
		return Card{}, err
	}
	// Valid through the same day N years on (a card expires the day after its expires_on). Issued
	// on 29 February, it is valid through 28 February of a common year, never into March.
	expires := s.today().AddYears(s.opts.ValidityYears[grade])
	token, err := cardtoken.Sign(cardtoken.Claims{Serial: card.Serial, Version: uint32(version), Grade: grade[0],
		Expires: expires.Time(), KeyID: keyID}, priv)
	if err != nil {
		return Card{}, err
	}
	if err := insertCardVersion(ctx, tx, cardVersion{cardID: card.ID, version: version, grade: grade, expires: expires,
		keyID: keyID, token: token, reason: reason}); err != nil {
		return Card{}, err
	}
	// The new version waits to be printed (the print queue).
	if err := requestPrint(ctx, tx, card.ID, version); err != nil {
		return Card{}, err
	}
	out, err := cardBySerial(ctx, tx, card.Serial, false)
	if err != nil {
		return Card{}, err
	}
	return out, audit.Write(ctx, tx, audit.Entry{Action: action, EntityType: "card", EntityID: out.Serial,
		After: map[string]any{"serial": out.Serial, "version": out.CurrentVersion, "class": out.Grade,
			"expires_on": out.ExpiresOn, "talent_id": talentID, "reason": reason}})
}

// CardOfTalent returns the card of a talent the caller may see: its newest, whatever its status
// (a talent who left keeps its revoked card on record).
func (s *Service) CardOfTalent(ctx context.Context, talentID int64) (Card, error) {
	if err := s.seesHolder(ctx, cardReaches, talentID); err != nil {
		return Card{}, err
	}
	c, found, err := cardOfTalent(ctx, s.db, talentID, false)
	if err != nil {
		return Card{}, err
	}
	if !found {
		return Card{}, ErrNoCard
	}
	return c, nil
}

// CardBySerial returns the card with the serial if the caller may see its holder.
func (s *Service) CardBySerial(ctx context.Context, serial string) (Card, error) {
	_, scope, err := cardReaches.Scope(ctx)
	if err != nil {
		return Card{}, err
	}
	if scope.None() {
		return Card{}, auth.ErrForbidden
	}
	c, err := cardBySerial(ctx, s.db, serial, false)
	if err != nil {
		return Card{}, err
	}
	if !scope.SeesEnterprise(c.EnterpriseID) {
		return Card{}, ErrCardNotFound
	}
	return c, nil
}

// seesHolder refuses a caller who reaches nothing under the table (403), and reports a talent
// outside the caller's scope as not found, like one that does not exist.
func (s *Service) seesHolder(ctx context.Context, reaches auth.Reaches, talentID int64) error {
	_, scope, err := reaches.Scope(ctx)
	if err != nil {
		return err
	}
	if scope.None() {
		return auth.ErrForbidden
	}
	h, err := lockHolder(ctx, s.db, talentID)
	if err != nil {
		return err
	}
	if !scope.SeesEnterprise(h.EnterpriseID) {
		return talent.ErrTalentNotFound
	}
	return nil
}

// Reissue makes a new version of a talent's card (lost card, renewal), or issues a first card to
// a registered talent who has none.
func (s *Service) Reissue(ctx context.Context, talentID int64, reason string) (Card, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Card{}, errReasonRequired
	}
	if _, err := auth.Require(ctx, officeRoles...); err != nil {
		return Card{}, err
	}
	// Whether the talent may hold a card is read inside the transaction (lockHolder).
	var out Card
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		h, err := lockHolder(ctx, tx, talentID)
		if err != nil {
			return err
		}
		if h.Status != talent.StatusRegistered || h.Grade == nil {
			return ErrNotRegistered
		}
		out, err = s.issueOrReissue(ctx, tx, talentID, string(*h.Grade), reason)
		return err
	})
	return out, err
}

// statusMoves says from which statuses a card may be set to each status, and the audited action.
var statusMoves = map[string]struct {
	from   []string
	action string
}{
	CardSuspended: {[]string{CardActive}, "card.suspend"},
	CardActive:    {[]string{CardSuspended}, "card.resume"},
	CardRevoked:   {[]string{CardActive, CardSuspended}, "card.revoke"},
}

// errStatusMove refuses a status change the card's status does not allow.
func errStatusMove(from, to string) error {
	return errs.New(errs.Conflict, "card_status_conflict",
		fmt.Sprintf("此卡状态为“%s”，不能改为“%s”", CardStatusVocab.Label(from, "zh"), CardStatusVocab.Label(to, "zh")),
		fmt.Sprintf("a %s card cannot become %s", from, to))
}

// SetStatus suspends, resumes or revokes a card, with a reason; audited.
func (s *Service) SetStatus(ctx context.Context, serial, to, reason string) (Card, error) {
	if _, err := auth.Require(ctx, officeRoles...); err != nil {
		return Card{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Card{}, errReasonRequired
	}
	move, known := statusMoves[to]
	var out Card
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := cardBySerial(ctx, tx, serial, true)
		if err != nil {
			return err
		}
		if !known || !slices.Contains(move.from, before.Status) {
			return errStatusMove(before.Status, to)
		}
		if err := setCardStatus(ctx, tx, before.ID, to, reason); err != nil {
			return err
		}
		if out, err = cardBySerial(ctx, tx, serial, false); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: move.action, EntityType: "card", EntityID: serial,
			Before: map[string]any{"status": before.Status}, After: map[string]any{"status": to, "reason": reason}})
	})
	return out, err
}

// revokeLive revokes a talent's card unless it has none or it is revoked already (the talent left).
func (s *Service) revokeLive(ctx context.Context, tx sqlx.ExtContext, talentID int64, reason string) error {
	c, found, err := cardOfTalent(ctx, tx, talentID, true)
	if err != nil || !found || c.Status == CardRevoked {
		return err
	}
	if err := setCardStatus(ctx, tx, c.ID, CardRevoked, reason); err != nil {
		return err
	}
	return audit.Write(ctx, tx, audit.Entry{Action: "card.revoke", EntityType: "card", EntityID: c.Serial,
		Before: map[string]any{"status": c.Status}, After: map[string]any{"status": CardRevoked, "reason": reason}})
}
