package greencard

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

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

// The card a token names, with its holder and (for the verify path) the services its class may
// use with this year's uses by the holder — one round trip for a window's scan.
const selectVerifiedCard = `
SELECT c.id, c.talent_id, c.current_version, c.status, v.grade, v.expires_on, t.name, COALESCE(e.name, '') AS enterprise,
       s.codes, s.names, s.quotas, s.used
FROM cards c
JOIN card_versions v ON v.card_id = c.id AND v.version = c.current_version
JOIN talents t ON t.id = c.talent_id
LEFT JOIN enterprises e ON e.id = t.enterprise_id
LEFT JOIN LATERAL (
    SELECT array_agg(i.code ORDER BY i.sort_order, i.code) AS codes,
           array_agg(i.name_zh ORDER BY i.sort_order, i.code) AS names,
           array_agg(COALESCE(i.yearly_quota, -1) ORDER BY i.sort_order, i.code) AS quotas,
           array_agg(COALESCE(u.used, 0) ORDER BY i.sort_order, i.code) AS used
    FROM service_items i
    LEFT JOIN service_quota_usage u ON u.service_code = i.code AND u.talent_id = c.talent_id AND u.year = $3
    WHERE $2 AND v.grade = ANY (i.eligible)) s ON true
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
	// The services the class may use, as parallel arrays (quota -1: unlimited).
	Codes  pq.StringArray `db:"codes"`
	Names  pq.StringArray `db:"names"`
	Quotas pq.Int64Array  `db:"quotas"`
	Used   pq.Int64Array  `db:"used"`
}

// verifiedCard runs selectVerifiedCard as a prepared statement: planning the four-table join
// costs more than executing it, and a window scans all day.
// Inside a transaction (recording a use) it runs as a plain query: preparing would need a second
// connection while the transaction holds one.
func (s *Service) verifiedCard(ctx context.Context, q sqlx.QueryerContext, row *verifiedRow, serial string, withServices bool) error {
	year := s.today().Time().Year()
	if _, inTx := q.(*sqlx.Tx); inTx {
		return sqlx.GetContext(ctx, q, row, selectVerifiedCard, serial, withServices, year)
	}
	stmt, err := s.prepared(ctx)
	if err != nil {
		return err
	}
	return stmt.GetContext(ctx, row, serial, withServices, year)
}

func (s *Service) prepared(ctx context.Context) (*sqlx.Stmt, error) {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if s.verifyStmt == nil {
		stmt, err := s.db.PreparexContext(ctx, selectVerifiedCard)
		if err != nil {
			return nil, postgres.Translate(err, "prepare verification")
		}
		s.verifyStmt = stmt
	}
	return s.verifyStmt, nil
}

// check decides the verdict on a token without recording it; withServices adds, for a valid card,
// the services the holder may use now.
func (s *Service) check(ctx context.Context, q sqlx.QueryerContext, token string, withServices bool) (Verification, error) {
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
	if err := s.verifiedCard(ctx, q, &row, claims.Serial, withServices); err != nil {
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
		if withServices {
			if len(row.Names) != len(row.Codes) || len(row.Quotas) != len(row.Codes) || len(row.Used) != len(row.Codes) {
				return Verification{}, errors.New("greencard: service arrays of unequal length")
			}
			v.Services = make([]ServiceAvailability, len(row.Codes))
			for i, code := range row.Codes {
				v.Services[i] = ServiceAvailability{Code: code, Name: row.Names[i]}
				if q := row.Quotas[i]; q >= 0 {
					left := int(max(q-row.Used[i], 0))
					v.Services[i].Remaining = &left
				}
			}
		}
	}
	return v, nil
}

// Verify checks a scanned token and, for a valid card, lists the services the holder may use now
// with what remains of each yearly quota. Every verification goes to the verification log (staff,
// window, verdict, card) — never the token — through the batching writer.
func (s *Service) Verify(ctx context.Context, token, window string) (Verification, error) {
	p, err := auth.Require(ctx, verifierRoles...)
	if err != nil {
		return Verification{}, err
	}
	v, err := s.check(ctx, s.db, token, true)
	if err != nil {
		return Verification{}, err
	}
	e := verificationEntry{at: s.opts.Now(), accountID: p.ActorID(), window: strings.TrimSpace(window), valid: v.Valid, reason: v.Reason}
	if v.Card != nil {
		serial, version := v.Card.Serial, v.Card.Version
		e.serial, e.version = &serial, &version
	}
	if v.talentID != 0 {
		id := v.talentID
		e.talentID = &id
	}
	s.vlog.add(e)
	return v, nil
}

// FlushVerificationLog writes every queued verification log line now.
func (s *Service) FlushVerificationLog() { s.vlog.flush() }

// Close writes the queued verification log lines and stops the writer; call it at shutdown.
func (s *Service) Close() { s.vlog.close() }
