package greencard

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"talentd/internal/auth"
	"talentd/internal/cardtoken"
	"talentd/internal/civil"
	"talentd/internal/postgres"
)

// CardInfo is what a verification says about the card.
type CardInfo struct {
	Serial    string     `json:"serial"`
	Version   int        `json:"version"`
	Class     string     `json:"class" enum:"A,B,C,D"`
	Status    string     `json:"status"`
	ExpiresOn civil.Date `json:"expires_on"`
}

// Holder is what the window may know of the card's holder.
type Holder struct {
	Name       string `json:"name" doc:"Masked: the surname and asterisks"`
	Enterprise string `json:"enterprise,omitempty"`
}

// ServiceAvailability is one catalogue service the holder may use now.
type ServiceAvailability struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	Remaining *int   `json:"remaining" doc:"Uses left this year; null when the service has no yearly quota"`
}

// Verification is the verdict on a scanned token.
type Verification struct {
	Valid    bool                  `json:"valid"`
	Reason   string                `json:"reason" enum:"valid,malformed,bad_signature,unknown_key,not_found,superseded,suspended,revoked,expired"`
	Card     *CardInfo             `json:"card,omitempty"`
	Holder   *Holder               `json:"holder,omitempty"`
	Services []ServiceAvailability `json:"services,omitempty"`
	talentID int64
	cardID   int64
}

// maskName keeps the first character (the surname; two for a compound surname of four-character
// names) and hides the rest.
func maskName(name string) string {
	n := utf8.RuneCountInString(name)
	keep := 1
	if n >= 4 {
		keep = 2
	}
	r := []rune(name)
	if n <= keep {
		return string(r[:1]) + "*"
	}
	return string(r[:keep]) + strings.Repeat("*", n-keep)
}

// The card a token names, with its holder, in one query.
const selectVerifiedCard = `
SELECT c.id, c.talent_id, c.current_version, c.status, v.grade, v.expires_on, t.name, COALESCE(e.name, '') AS enterprise
FROM cards c
JOIN card_versions v ON v.card_id = c.id AND v.version = c.current_version
JOIN talents t ON t.id = c.talent_id
LEFT JOIN enterprises e ON e.id = t.enterprise_id
WHERE c.serial = $1`

type verifiedRow struct {
	ID             int64      `db:"id"`
	TalentID       int64      `db:"talent_id"`
	CurrentVersion int        `db:"current_version"`
	Status         string     `db:"status"`
	Grade          string     `db:"grade"`
	ExpiresOn      civil.Date `db:"expires_on"`
	Name           string     `db:"name"`
	Enterprise     string     `db:"enterprise"`
}

// check decides the verdict on a token without recording it.
func (s *Service) check(ctx context.Context, q sqlx.QueryerContext, token string) (Verification, error) {
	claims, err := cardtoken.Parse(token)
	if err != nil {
		return Verification{Reason: ReasonMalformed}, nil
	}
	pub, known, err := s.keys.publicKey(ctx, q, claims.KeyID)
	if err != nil {
		return Verification{}, err
	}
	if !known {
		return Verification{Reason: ReasonUnknownKey}, nil
	}
	if _, err := cardtoken.Verify(token, func(uint32) (ed25519.PublicKey, bool) { return pub, true }); err != nil {
		if errors.Is(err, cardtoken.ErrMalformed) {
			return Verification{Reason: ReasonMalformed}, nil
		}
		return Verification{Reason: ReasonBadSignature}, nil
	}
	var row verifiedRow
	if err := sqlx.GetContext(ctx, q, &row, selectVerifiedCard, claims.Serial); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Verification{Reason: ReasonNotFound}, nil
		}
		return Verification{}, postgres.Translate(err, "verify")
	}
	v := Verification{talentID: row.TalentID, cardID: row.ID,
		Card: &CardInfo{Serial: claims.Serial, Version: int(claims.Version), Class: row.Grade, Status: row.Status, ExpiresOn: row.ExpiresOn}}
	switch {
	case int(claims.Version) > row.CurrentVersion:
		v.Card, v.Reason = nil, ReasonNotFound
	case int(claims.Version) < row.CurrentVersion:
		v.Reason = ReasonSuperseded
	case row.Status == CardSuspended:
		v.Reason = ReasonSuspended
	case row.Status == CardRevoked:
		v.Reason = ReasonRevoked
	case row.ExpiresOn.Before(s.today()):
		v.Reason, v.Card.Status = ReasonExpired, CardExpired
	default:
		v.Valid, v.Reason = true, ReasonValid
		v.Holder = &Holder{Name: maskName(row.Name), Enterprise: row.Enterprise}
	}
	return v, nil
}

const insertVerification = `
INSERT INTO card_verifications (account_id, window_name, valid, reason, serial, version, talent_id)
VALUES ($1, $2, $3, $4, $5, $6, $7)`

// Verify checks a scanned token and, for a valid card, lists the services the holder may use now
// with what remains of each yearly quota. Every verification is logged (staff, window, verdict,
// card) — never the token. The log is written without waiting for the disk flush: a crash may lose
// the last fraction of a second of it, which the window's speed is worth.
func (s *Service) Verify(ctx context.Context, token, window string) (Verification, error) {
	p, err := auth.MustPrincipal(ctx)
	if err != nil {
		return Verification{}, err
	}
	var v Verification
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var err error
		if v, err = s.check(ctx, tx, token); err != nil {
			return err
		}
		if v.Valid {
			if v.Services, err = s.available(ctx, tx, v.talentID, v.Card.Class); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			return postgres.Translate(err, "verify")
		}
		var serial *string
		var version *int
		var talentID *int64
		if v.Card != nil {
			serial, version = &v.Card.Serial, &v.Card.Version
		}
		if v.talentID != 0 {
			talentID = &v.talentID
		}
		_, err = tx.ExecContext(ctx, insertVerification, nullAccount(p), strings.TrimSpace(window), v.Valid, v.Reason, serial, version, talentID)
		return postgres.Translate(err, "log verification")
	})
	return v, err
}

func nullAccount(p auth.Principal) *int64 {
	if p.AccountID == 0 {
		return nil
	}
	return &p.AccountID
}

// The services a class may use, with this year's uses of each by the holder.
const selectAvailable = `
SELECT i.code, i.name_zh, i.yearly_quota, COALESCE(u.used, 0) AS used
FROM service_items i
LEFT JOIN service_quota_usage u ON u.service_code = i.code AND u.talent_id = $1 AND u.year = $3
WHERE $2 = ANY (i.eligible)
ORDER BY i.sort_order, i.code`

func (s *Service) available(ctx context.Context, q sqlx.QueryerContext, talentID int64, class string) ([]ServiceAvailability, error) {
	var rows []struct {
		Code  string `db:"code"`
		Name  string `db:"name_zh"`
		Quota *int   `db:"yearly_quota"`
		Used  int    `db:"used"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, selectAvailable, talentID, class, s.today().Time().Year()); err != nil {
		return nil, postgres.Translate(err, "available services")
	}
	out := make([]ServiceAvailability, 0, len(rows))
	for _, r := range rows {
		a := ServiceAvailability{Code: r.Code, Name: r.Name}
		if r.Quota != nil {
			left := max(*r.Quota-r.Used, 0)
			a.Remaining = &left
		}
		out = append(out, a)
	}
	return out, nil
}
