package greencard

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
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

func (s *Service) today() civil.Date { return civil.InDistrict(s.opts.Now()) }

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
	// A reissued card keeps its status. When that is suspended, the change is dated anew so the
	// revocation list carries the new version too: an offline client only knew the old one.
	bumpCard = `
UPDATE cards SET current_version = $2, updated_at = now(),
       status_changed_at = CASE WHEN status = 'active' THEN status_changed_at ELSE now() END
WHERE id = $1`
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
	// Valid through the same day N years on (a card expires the day after its expires_on). Issued
	// on 29 February, it is valid through 28 February of a common year, never into March.
	expires := s.today().AddYears(s.opts.ValidityYears[grade])
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
	if err := s.seesHolder(ctx, cardReaches, talentID); err != nil {
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
		return Card{}, errs.UntranslatedFields("a reason is required", errs.FieldError{Location: "body.reason", Message: "required"})
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

// holder is what the card rules need to know of a talent.
type holder struct {
	Status       talent.Status `db:"status"`
	Grade        *talent.Grade `db:"grade"`
	EnterpriseID *int64        `db:"enterprise_id"`
}

const selectHolder = `SELECT status, grade, enterprise_id FROM talents WHERE id = $1 FOR SHARE`

// lockHolder reads the talent's status and grade and holds the row until the transaction ends. A
// departure or a re-grading, which update the row, then either committed before (and we see its
// outcome) or waits for us; a status read before the transaction could be stale by the time a card
// is issued or a request filed, leaving an active card for a talent who left.
func lockHolder(ctx context.Context, q sqlx.QueryerContext, talentID int64) (holder, error) {
	var h holder
	err := sqlx.GetContext(ctx, q, &h, selectHolder, talentID)
	if errors.Is(err, sql.ErrNoRows) {
		return holder{}, talent.ErrTalentNotFound
	}
	return h, postgres.Translate(err, "card holder")
}

const setCardStatus = `
UPDATE cards SET status = $2, status_reason = $3, status_changed_at = now(), updated_at = now() WHERE id = $1`

// SetStatus suspends, resumes or revokes a card, with a reason; audited.
func (s *Service) SetStatus(ctx context.Context, serial, to, reason string) (Card, error) {
	if _, err := auth.Require(ctx, officeRoles...); err != nil {
		return Card{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Card{}, errs.UntranslatedFields("a reason is required", errs.FieldError{Location: "body.reason", Message: "required"})
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
			return errs.Untranslatedf(errs.Conflict, "a %s card cannot become %s", before.Status, to)
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
	CardID  int64     `db:"card_id" json:"-"`
	Serial  string    `db:"serial" json:"serial"`
	Version int       `db:"version" json:"version"`
	Reason  string    `db:"reason" json:"reason" enum:"superseded,suspended,revoked,active" doc:"active: a suspension was lifted"`
	Since   time.Time `db:"since" json:"since"`
}

// RevocationQuery asks for a page of the revocation list.
type RevocationQuery struct {
	// Cursor continues after the last change a previous page listed; when set, Since is ignored.
	Cursor string
	// Since starts a first call after this time; zero starts from the beginning.
	Since time.Time
	// Limit is the page size (1 to 10,000; default 1,000).
	Limit int
}

// RevocationPage is one page of the revocation list.
type RevocationPage struct {
	Items []Revocation
	// NextCursor is where the next call continues: after this page's last change or, when nothing
	// was new, where this call started. Always set, so a client keeps its place across polls.
	NextCursor string
	// More is set when the page is full: fetch the next one now rather than at the next poll.
	More bool
}

// ErrBadRevocationCursor refuses a cursor this service did not make.
var ErrBadRevocationCursor = &errs.Error{Kind: errs.BadRequest, Message: "invalid cursor",
	Fields: []errs.FieldError{{Location: "query.cursor", Message: "not a cursor returned by this API; start again with since"}}}

// revocationKey is a position in the revocation list. Changes are ordered by (time, card,
// version), which is unique: time alone is not, since every row one transaction writes shares its
// now() (a policy publication supersedes thousands of versions at one instant).
type revocationKey struct {
	At      *int64 `json:"t"` // microseconds since 1970, PostgreSQL's precision
	CardID  *int64 `json:"c"`
	Version *int64 `json:"v"`
}

// maxCursorTime bounds a cursor's time so a forged one cannot reach PostgreSQL as an out-of-range
// timestamp (a 500): the end of year 9999.
const maxCursorTime = 253_402_300_800_000_000 // time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()

func newRevocationKey(at time.Time, cardID, version int64) revocationKey {
	t := at.UnixMicro()
	return revocationKey{At: &t, CardID: &cardID, Version: &version}
}

func (k revocationKey) encode() string {
	b, _ := json.Marshal(k)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeRevocationKey(s string) (revocationKey, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return revocationKey{}, ErrBadRevocationCursor
	}
	var k revocationKey
	if err := json.Unmarshal(raw, &k); err != nil || k.At == nil || k.CardID == nil || k.Version == nil ||
		*k.At < 0 || *k.At >= maxCursorTime || *k.CardID < 0 || *k.Version < 0 || *k.Version > math.MaxInt32 {
		return revocationKey{}, ErrBadRevocationCursor
	}
	return k, nil
}

// The oldest start of a transaction still open in this database, or now. Every change is dated by
// its transaction's now(), which is that transaction's start: a change dated before this instant
// is committed or will never be, so a page that stops short of it never skips a change that a
// slower transaction commits later. Read in a statement of its own, before the changes' snapshot.
// Only sessions whose activity this role may read count: talentd's own, which make every change.
const selectRevocationHorizon = `
SELECT LEAST(statement_timestamp(), min(xact_start)) FROM pg_stat_activity
WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`

// Card status changes and superseded versions after a position and before the horizon, in the
// order of the list's key. Each branch is limited on its own so that each walks its index in key
// order (migration 00006) and the two merge, rather than sorting every change since the position.
const selectRevocations = `
SELECT card_id, serial, version, reason, since FROM (
    (SELECT c.id AS card_id, c.serial, c.current_version AS version, c.status AS reason, c.status_changed_at AS since
     FROM cards c
     WHERE c.status_changed_at IS NOT NULL AND c.status_changed_at < $4
       AND (c.status_changed_at, c.id, c.current_version) > ($1, $2, $3)
     ORDER BY c.status_changed_at, c.id, c.current_version LIMIT $5)
    UNION ALL
    (SELECT v.card_id, c.serial, v.version, 'superseded', v.superseded_at
     FROM card_versions v JOIN cards c ON c.id = v.card_id
     WHERE v.superseded_at IS NOT NULL AND v.superseded_at < $4
       AND (v.superseded_at, v.card_id, v.version) > ($1, $2, $3)
     ORDER BY v.superseded_at, v.card_id, v.version LIMIT $5)
) r ORDER BY since, card_id, version LIMIT $5`

// Revocations lists what changed after the cursor (or since the time), oldest first; an offline
// window client polls it, passing back NextCursor each time.
func (s *Service) Revocations(ctx context.Context, q RevocationQuery) (RevocationPage, error) {
	if _, err := auth.Require(ctx, verifierRoles...); err != nil {
		return RevocationPage{}, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 1000
	}
	limit = min(limit, 10_000)
	var from revocationKey
	if q.Cursor != "" {
		var err error
		if from, err = decodeRevocationKey(q.Cursor); err != nil {
			return RevocationPage{}, err
		}
	} else {
		// After since: past every change at that microsecond. (PostgreSQL keeps microseconds;
		// truncating keeps a change a fraction later than since from being rounded away.)
		since := q.Since.Truncate(time.Microsecond)
		if since.Before(time.Unix(0, 0)) {
			since = time.Unix(0, 0)
		}
		from = newRevocationKey(since, math.MaxInt64, math.MaxInt32)
	}
	var horizon time.Time
	if err := sqlx.GetContext(ctx, s.db, &horizon, selectRevocationHorizon); err != nil {
		return RevocationPage{}, postgres.Translate(err, "revocations")
	}
	out := RevocationPage{Items: []Revocation{}}
	if err := sqlx.SelectContext(ctx, s.db, &out.Items, selectRevocations,
		time.UnixMicro(*from.At), *from.CardID, *from.Version, horizon, limit); err != nil {
		return RevocationPage{}, postgres.Translate(err, "revocations")
	}
	if n := len(out.Items); n > 0 {
		last := out.Items[n-1]
		from = newRevocationKey(last.Since, last.CardID, int64(last.Version))
	}
	out.NextCursor, out.More = from.encode(), len(out.Items) == limit
	return out, nil
}
