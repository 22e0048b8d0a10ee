// Package greencard is the talent green card (人才绿卡 · 一卡通): cards issued to registered talent,
// the Ed25519-signed token in their QR code, verification at service windows, the nine-item service
// catalogue with yearly quotas, service uses, and agent requests worked by talent service
// commissioners.
//
// A card has a stable serial and a version per issue: a reissue (lost card, grade change, renewal)
// makes a new version and every older QR answers "superseded". The token carries no personal data.
// The card of a talent is its newest card, whatever its status: a revoked card stays readable.
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

// Verification reason codes (ReasonVocab labels them for the clerk).
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

// How a window identified the card it verified.
const (
	MethodQR     = "qr"     // scanned the QR code
	MethodSerial = "serial" // typed the serial and the last four characters of the identity number
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
	// PrintState is the printing of the current version.
	PrintState
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
	ErrCardNotFound  = errs.New(errs.NotFound, "card_not_found", "未找到该人才绿卡", "card not found")
	ErrNoCard        = errs.New(errs.NotFound, "talent_has_no_card", "该人才还没有人才绿卡", "this talent has no card")
	ErrNotRegistered = errs.New(errs.Conflict, "talent_not_registered", "只有已入库的人才才能办理人才绿卡",
		"only a registered talent gets a card")
	ErrServiceUnknown = errs.New(errs.NotFound, "service_not_found", "服务目录中没有这项服务", "no such service in the catalogue")
	// ErrCardNotVerifiedToday refuses a window that acts on a card by its serial without having
	// verified that card today: a window serves the holder in front of it, not serials it can guess.
	ErrCardNotVerifiedToday = errs.New(errs.Conflict, "card_not_verified_today",
		"请先核验此卡（扫描二维码，或输入卡号和身份证号后四位），再办理",
		"verify the card first (scan its QR code, or enter its serial and the last four characters of the identity number)")
)

// errReasonRequired is the answer to a change that needs a reason and was given none.
var errReasonRequired = errs.Fields(errs.Field("body.reason", "required", "请填写原因", "a reason is required", nil))

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
