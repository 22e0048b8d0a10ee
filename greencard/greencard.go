// Package greencard is the talent green card (人才绿卡 · 一卡通): cards issued to registered talent,
// the Ed25519-signed token in their QR code, verification at service windows, the nine-item service
// catalogue with yearly quotas, service uses, and agent requests worked by talent service
// commissioners.
//
// A card has a stable serial and a version per issue: a reissue (lost card, grade change, renewal)
// makes a new version and every older QR answers "superseded". The token carries no personal data.
package greencard

import (
	"strconv"
	"time"

	"talentd/internal/civil"
	"talentd/internal/errs"
)

// Card statuses as stored; "expired" is derived from the current version's expiry date.
const (
	CardActive    = "active"
	CardSuspended = "suspended"
	CardRevoked   = "revoked"
	CardExpired   = "expired"
)

// Verification reason codes, as the window client shows them.
const (
	ReasonValid        = "valid"
	ReasonMalformed    = "malformed"
	ReasonBadSignature = "bad_signature"
	ReasonUnknownKey   = "unknown_key"
	ReasonNotFound     = "not_found"
	ReasonSuperseded   = "superseded"
	ReasonSuspended    = "suspended"
	ReasonRevoked      = "revoked"
	ReasonExpired      = "expired"
)

// Card is a talent's card with its current version.
type Card struct {
	ID              int64      `db:"id"`
	Serial          string     `db:"serial"`
	TalentID        int64      `db:"talent_id"`
	CurrentVersion  int        `db:"current_version"`
	Status          string     `db:"status"`
	StatusReason    string     `db:"status_reason"`
	StatusChangedAt *time.Time `db:"status_changed_at"`
	Grade           string     `db:"grade"`
	IssuedAt        time.Time  `db:"issued_at"`
	ExpiresOn       civil.Date `db:"expires_on"`
	KeyID           int64      `db:"key_id"`
	Token           string     `db:"token"`
	EnterpriseID    *int64     `db:"enterprise_id"`
}

// EffectiveStatus is the status a holder and a window see: expired once the expiry date has passed.
func (c Card) EffectiveStatus(today civil.Date) string {
	if c.Status == CardActive && c.ExpiresOn.Before(today) {
		return CardExpired
	}
	return c.Status
}

// Errors of the card operations.
var (
	ErrCardNotFound   = errs.Untranslated(errs.NotFound, "card not found")
	ErrNoCard         = errs.Untranslated(errs.NotFound, "this talent has no card")
	ErrNotRegistered  = errs.Untranslated(errs.Conflict, "only a registered talent gets a card")
	ErrCardRevoked    = errs.Untranslated(errs.Conflict, "the card is revoked; issue a new card instead")
	ErrServiceUnknown = errs.Untranslated(errs.NotFound, "no such service in the catalogue")
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
