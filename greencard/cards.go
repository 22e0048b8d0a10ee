package greencard

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/cardtoken"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/fieldcrypt"
	"talentd/internal/postgres"
	"talentd/talent"
)

// Options configure the green card service.
type Options struct {
	// ValidityYears is how long a card of each class stays valid after issue (default A/B 5, C/D 3).
	ValidityYears map[string]int
	// SerialPrefix starts every serial (default "BS", for Bishan).
	SerialPrefix string
	Now          func() time.Time
	Logger       *slog.Logger
}

// DefaultValidity is the validity of each class when the configuration says nothing.
var DefaultValidity = map[string]int{"A": 5, "B": 5, "C": 3, "D": 3}

// ParseValidity reads "A=5,B=5,C=3,D=3" (years per class); classes left out keep the default.
func ParseValidity(s string) (map[string]int, error) {
	out := map[string]int{}
	for k, v := range DefaultValidity {
		out[k] = v
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		years, err := strconv.Atoi(strings.TrimSpace(v))
		k = strings.ToUpper(strings.TrimSpace(k))
		if !ok || err != nil || years < 1 || years > 20 || !strings.Contains("ABCD", k) || len(k) != 1 {
			return nil, fmt.Errorf("card validity %q: want entries like A=5 (class A–D, 1 to 20 years)", part)
		}
		out[k] = years
	}
	return out, nil
}

// Service runs the green card rules; it owns every transaction.
type Service struct {
	db      *sqlx.DB
	keys    *keyring
	talents *talent.Service
	opts    Options
	qr      *pngCache
	vlog    *verifyLog

	stmtMu     sync.Mutex
	verifyStmt *sqlx.Stmt
}

// NewService returns a Service; ring seals the signing keys at rest.
func NewService(db *sqlx.DB, ring *fieldcrypt.Ring, talents *talent.Service, o Options) *Service {
	if o.ValidityYears == nil {
		o.ValidityYears = DefaultValidity
	}
	if o.SerialPrefix == "" {
		o.SerialPrefix = "BS"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Service{db: db, keys: newKeyring(ring), talents: talents, opts: o, qr: newPNGCache(20_000),
		vlog: newVerifyLog(db, o.Logger)}
}

// districtTime is the zone that decides which day it is, for expiry.
var districtTime = time.FixedZone("CST", 8*3600)

func (s *Service) today() civil.Date { return civil.Of(s.opts.Now().In(districtTime)) }

// Hooks returns the registry hooks that keep cards in step with registrations and grades; they
// run inside the registry's transaction.
func (s *Service) Hooks() talent.Hooks {
	return talent.Hooks{
		GradeChanged: func(ctx context.Context, tx sqlx.ExtContext, talentID int64, old, new talent.Grade) error {
			reason := "grade " + string(old) + " → " + string(new)
			if old == "" {
				reason = "registration"
			}
			_, err := s.issueOrReissue(ctx, tx, talentID, string(new), reason)
			return err
		},
		Left: func(ctx context.Context, tx sqlx.ExtContext, talentID int64) error {
			return s.revokeLive(ctx, tx, talentID, "talent left the registry")
		},
	}
}

const cardColumns = `c.id, c.serial, c.talent_id, c.current_version, c.status, c.status_reason, c.status_changed_at,
       v.grade, v.issued_at, v.expires_on, v.key_id, v.token, t.enterprise_id`

const cardFrom = ` FROM cards c JOIN card_versions v ON v.card_id = c.id AND v.version = c.current_version
JOIN talents t ON t.id = c.talent_id`

const selectLiveCardOfTalent = `SELECT ` + cardColumns + cardFrom + ` WHERE c.talent_id = $1 AND c.status <> 'revoked'`

func liveCardOf(ctx context.Context, q sqlx.QueryerContext, talentID int64, forUpdate bool) (Card, bool, error) {
	query := selectLiveCardOfTalent
	if forUpdate {
		query += ` FOR UPDATE OF c`
	}
	var c Card
	err := sqlx.GetContext(ctx, q, &c, query, talentID)
	if err != nil {
		if errs.Is(postgres.Translate(err, "card"), errs.NotFound) {
			return Card{}, false, nil
		}
		return Card{}, false, postgres.Translate(err, "card")
	}
	return c, true, nil
}

const selectCardBySerial = `SELECT ` + cardColumns + cardFrom + ` WHERE c.serial = $1`

func cardBySerial(ctx context.Context, q sqlx.QueryerContext, serial string, forUpdate bool) (Card, error) {
	query := selectCardBySerial
	if forUpdate {
		query += ` FOR UPDATE OF c`
	}
	var c Card
	err := sqlx.GetContext(ctx, q, &c, query, serial)
	if err != nil && errs.Is(postgres.Translate(err, "card"), errs.NotFound) {
		return Card{}, ErrCardNotFound
	}
	return c, postgres.Translate(err, "card")
}

const (
	insertCard = `
INSERT INTO cards (serial, talent_id)
SELECT $1 || '-' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY') || '-' || lpad(n::text, GREATEST(6, length(n::text)), '0'), $2
FROM (SELECT nextval('card_serial_seq') AS n) seq
RETURNING id, serial`
	insertVersion = `
INSERT INTO card_versions (card_id, version, grade, expires_on, key_id, token, reason)
VALUES ($1, $2, $3, $4, $5, $6, $7)`
	supersede = `UPDATE card_versions SET superseded_at = now() WHERE card_id = $1 AND version < $2 AND superseded_at IS NULL`
	bumpCard  = `UPDATE cards SET current_version = $2, updated_at = now() WHERE id = $1`
)

// issueOrReissue gives a registered talent a card of the grade: a new version of the live card,
// or a new card when there is none. The previous version's QR stops verifying (superseded).
func (s *Service) issueOrReissue(ctx context.Context, tx sqlx.ExtContext, talentID int64, grade, reason string) (Card, error) {
	card, found, err := liveCardOf(ctx, tx, talentID, true)
	if err != nil {
		return Card{}, err
	}
	version := 1
	action := "card.issue"
	if found {
		version = card.CurrentVersion + 1
		action = "card.reissue"
	} else {
		if err := sqlx.GetContext(ctx, tx, &card, insertCard, s.opts.SerialPrefix, talentID); err != nil {
			return Card{}, postgres.Translate(err, "issue card")
		}
	}
	keyID, priv, err := s.keys.signer(ctx, tx)
	if err != nil {
		return Card{}, err
	}
	today := s.today()
	expires := civil.New(today.Time().Year()+s.opts.ValidityYears[grade], today.Time().Month(), today.Time().Day())
	token, err := cardtoken.Sign(cardtoken.Claims{Serial: card.Serial, Version: uint32(version), Grade: grade[0],
		Expires: expires.Time(), KeyID: keyID}, priv)
	if err != nil {
		return Card{}, err
	}
	if _, err := tx.ExecContext(ctx, insertVersion, card.ID, version, grade, expires, int64(keyID), token, reason); err != nil {
		return Card{}, postgres.Translate(err, "issue card")
	}
	if found {
		if _, err := tx.ExecContext(ctx, supersede, card.ID, version); err != nil {
			return Card{}, postgres.Translate(err, "reissue card")
		}
		if _, err := tx.ExecContext(ctx, bumpCard, card.ID, version); err != nil {
			return Card{}, postgres.Translate(err, "reissue card")
		}
	}
	out, err := cardBySerial(ctx, tx, card.Serial, false)
	if err != nil {
		return Card{}, err
	}
	return out, audit.Write(ctx, tx, audit.Entry{Action: action, EntityType: "card", EntityID: out.Serial,
		After: map[string]any{"serial": out.Serial, "version": out.CurrentVersion, "class": out.Grade,
			"expires_on": out.ExpiresOn, "talent_id": talentID, "reason": reason}})
}

// CardOfTalent returns the live card of a talent the caller may see.
func (s *Service) CardOfTalent(ctx context.Context, talentID int64) (Card, error) {
	if _, err := s.talents.GetTalent(ctx, talentID); err != nil {
		return Card{}, err
	}
	c, found, err := liveCardOf(ctx, s.db, talentID, false)
	if err != nil {
		return Card{}, err
	}
	if !found {
		return Card{}, ErrNoCard
	}
	return c, nil
}

// visibleCard returns the card with the serial if the caller may see its holder.
func (s *Service) visibleCard(ctx context.Context, serial string) (Card, error) {
	p, err := auth.MustPrincipal(ctx)
	if err != nil {
		return Card{}, err
	}
	c, err := cardBySerial(ctx, s.db, serial, false)
	if err != nil {
		return Card{}, err
	}
	if own, confined := p.EnterpriseScope(); confined && (c.EnterpriseID == nil || *c.EnterpriseID != own) {
		return Card{}, ErrCardNotFound
	}
	return c, nil
}

// Reissue makes a new version of a talent's card (lost card, renewal), or issues a first card to
// a registered talent who has none.
func (s *Service) Reissue(ctx context.Context, talentID int64, reason string) (Card, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Card{}, errs.Fields("a reason is required", errs.FieldError{Location: "body.reason", Message: "required"})
	}
	t, err := s.talents.GetTalent(ctx, talentID)
	if err != nil {
		return Card{}, err
	}
	if t.Status != talent.StatusRegistered || t.Grade == nil {
		return Card{}, ErrNotRegistered
	}
	var out Card
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var err error
		out, err = s.issueOrReissue(ctx, tx, talentID, string(*t.Grade), reason)
		return err
	})
	return out, err
}

const setCardStatus = `
UPDATE cards SET status = $2, status_reason = $3, status_changed_at = now(), updated_at = now() WHERE id = $1`

// SetStatus suspends, resumes or revokes a card, with a reason; audited.
func (s *Service) SetStatus(ctx context.Context, serial, to, reason string) (Card, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Card{}, errs.Fields("a reason is required", errs.FieldError{Location: "body.reason", Message: "required"})
	}
	var out Card
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := cardBySerial(ctx, tx, serial, true)
		if err != nil {
			return err
		}
		allowed := map[string][]string{CardSuspended: {CardActive}, CardActive: {CardSuspended}, CardRevoked: {CardActive, CardSuspended}}
		ok := false
		for _, from := range allowed[to] {
			ok = ok || before.Status == from
		}
		if !ok {
			return errs.Newf(errs.Conflict, "a %s card cannot become %s", before.Status, to)
		}
		if _, err := tx.ExecContext(ctx, setCardStatus, before.ID, to, reason); err != nil {
			return postgres.Translate(err, "card status")
		}
		if out, err = cardBySerial(ctx, tx, serial, false); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "card." + map[string]string{CardSuspended: "suspend", CardActive: "resume", CardRevoked: "revoke"}[to],
			EntityType: "card", EntityID: serial, Before: map[string]any{"status": before.Status},
			After: map[string]any{"status": to, "reason": reason}})
	})
	return out, err
}

// revokeLive revokes a talent's live card, if any (the talent left).
func (s *Service) revokeLive(ctx context.Context, tx sqlx.ExtContext, talentID int64, reason string) error {
	c, found, err := liveCardOf(ctx, tx, talentID, true)
	if err != nil || !found {
		return err
	}
	if _, err := tx.ExecContext(ctx, setCardStatus, c.ID, CardRevoked, reason); err != nil {
		return postgres.Translate(err, "revoke card")
	}
	return audit.Write(ctx, tx, audit.Entry{Action: "card.revoke", EntityType: "card", EntityID: c.Serial,
		Before: map[string]any{"status": c.Status}, After: map[string]any{"status": CardRevoked, "reason": reason}})
}

// Revocation is a change an offline client must apply: a serial-version to refuse (superseded,
// suspended, revoked), or a suspended card that is active again.
type Revocation struct {
	Serial  string    `db:"serial" json:"serial"`
	Version int       `db:"version" json:"version"`
	Reason  string    `db:"reason" json:"reason" enum:"superseded,suspended,revoked,active" doc:"active: a suspension was lifted"`
	Since   time.Time `db:"since" json:"since"`
}

// Card status changes and superseded versions after since, oldest change first.
const selectRevocations = `
SELECT serial, version, reason, since FROM (
    SELECT c.serial, c.current_version AS version, c.status AS reason, c.status_changed_at AS since
    FROM cards c WHERE c.status_changed_at > $1
    UNION ALL
    SELECT c.serial, v.version, 'superseded', v.superseded_at
    FROM card_versions v JOIN cards c ON c.id = v.card_id WHERE v.superseded_at > $1
) r ORDER BY since, serial, version LIMIT $2`

// Revocations lists what changed since the time; an offline window client polls it.
func (s *Service) Revocations(ctx context.Context, since time.Time, limit int) ([]Revocation, error) {
	out := []Revocation{}
	err := sqlx.SelectContext(ctx, s.db, &out, selectRevocations, since, limit)
	return out, postgres.Translate(err, "revocations")
}
