package greencard

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"

	"talentd/internal/civil"
	"talentd/internal/postgres"
	"talentd/talent"
)

const cardColumns = `c.id, c.serial, c.talent_id, c.current_version, c.status, c.status_reason, c.status_changed_at,
       v.grade, v.issued_at, v.expires_on, v.key_id, v.token, t.enterprise_id,
       COALESCE(p.status, 'requested') AS print_status, COALESCE(p.requested_at, v.issued_at) AS print_requested_at,
       p.printed_at, p.printed_by, p.handed_over_at, p.handed_over_by`

// cardFrom joins a card to its current version, its holder and the version's printing. Every change
// to the printing locks the card's row first (FOR UPDATE OF c), so a locked card's print state holds.
const cardFrom = ` FROM cards c JOIN card_versions v ON v.card_id = c.id AND v.version = c.current_version
JOIN talents t ON t.id = c.talent_id
LEFT JOIN card_prints p ON p.card_id = c.id AND p.version = c.current_version`

// A talent's card is its newest: after a revocation (the talent left) the revoked card is what the
// office reads, until a new registration issues a new card.
const selectCardOfTalent = `SELECT ` + cardColumns + cardFrom + ` WHERE c.talent_id = $1 ORDER BY c.id DESC LIMIT 1`

// cardOfTalent returns the talent's newest card; found is false when it never had one.
func cardOfTalent(ctx context.Context, q sqlx.QueryerContext, talentID int64, forUpdate bool) (c Card, found bool, err error) {
	query := selectCardOfTalent
	if forUpdate {
		query += ` FOR UPDATE OF c`
	}
	err = sqlx.GetContext(ctx, q, &c, query, talentID)
	if errors.Is(err, sql.ErrNoRows) {
		return Card{}, false, nil
	}
	return c, err == nil, postgres.Translate(err, "card")
}

const selectCardBySerial = `SELECT ` + cardColumns + cardFrom + ` WHERE c.serial = $1`

func cardBySerial(ctx context.Context, q sqlx.QueryerContext, serial string, forUpdate bool) (Card, error) {
	query := selectCardBySerial
	if forUpdate {
		query += ` FOR UPDATE OF c`
	}
	var c Card
	err := sqlx.GetContext(ctx, q, &c, query, serial)
	if errors.Is(err, sql.ErrNoRows) {
		return Card{}, ErrCardNotFound
	}
	return c, postgres.Translate(err, "card")
}

var insertCard = `
INSERT INTO cards (serial, talent_id)
SELECT $1 || '-' || to_char(` + civil.SQLLocal("now()") + `, 'YYYY') || '-' || lpad(n::text, GREATEST(6, length(n::text)), '0'), $2
FROM (SELECT nextval('card_serial_seq') AS n) seq
RETURNING id, serial`

// insertCardRow makes a new card (no version yet) for the talent, with the next serial of the year.
func insertCardRow(ctx context.Context, q sqlx.QueryerContext, prefix string, talentID int64) (Card, error) {
	var c Card
	err := sqlx.GetContext(ctx, q, &c, insertCard, prefix, talentID)
	return c, postgres.Translate(err, "issue card")
}

const (
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

// cardVersion is one issue of a card, signed.
type cardVersion struct {
	cardID  int64
	version int
	grade   string
	expires civil.Date
	keyID   uint32
	token   string
	reason  string
}

// insertCardVersion stores a version; a later one supersedes the versions before it and becomes
// the card's current version.
func insertCardVersion(ctx context.Context, q sqlx.ExtContext, v cardVersion) error {
	if _, err := q.ExecContext(ctx, insertVersion, v.cardID, v.version, v.grade, v.expires, int64(v.keyID), v.token, v.reason); err != nil {
		return postgres.Translate(err, "issue card")
	}
	if v.version == 1 {
		return nil
	}
	if _, err := q.ExecContext(ctx, supersede, v.cardID, v.version); err != nil {
		return postgres.Translate(err, "reissue card")
	}
	_, err := q.ExecContext(ctx, bumpCard, v.cardID, v.version)
	return postgres.Translate(err, "reissue card")
}

const updateCardStatus = `
UPDATE cards SET status = $2, status_reason = $3, status_changed_at = now(), updated_at = now() WHERE id = $1`

func setCardStatus(ctx context.Context, q sqlx.ExecerContext, cardID int64, to, reason string) error {
	_, err := q.ExecContext(ctx, updateCardStatus, cardID, to, reason)
	return postgres.Translate(err, "card status")
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
