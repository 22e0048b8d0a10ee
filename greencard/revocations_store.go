package greencard

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/postgres"
)

// The oldest start of a transaction still open in this database, or now. Every change is dated by
// its transaction's now(), which is that transaction's start: a change dated before this instant
// is committed or will never be, so a page that stops short of it never skips a change that a
// slower transaction commits later. Read in a statement of its own, before the changes' snapshot.
// Only sessions whose activity this role may read count: talentd's own, which make every change.
const selectRevocationHorizon = `
SELECT LEAST(statement_timestamp(), min(xact_start)) FROM pg_stat_activity
WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`

func revocationHorizon(ctx context.Context, q sqlx.QueryerContext) (time.Time, error) {
	var horizon time.Time
	err := sqlx.GetContext(ctx, q, &horizon, selectRevocationHorizon)
	return horizon, postgres.Translate(err, "revocations")
}

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

// revocationsAfter lists at most limit changes after the position and before the horizon.
func revocationsAfter(ctx context.Context, q sqlx.QueryerContext, from revocationKey, horizon time.Time, limit int) ([]Revocation, error) {
	out := []Revocation{}
	err := sqlx.SelectContext(ctx, q, &out, selectRevocations, time.UnixMicro(*from.At), *from.CardID, *from.Version, horizon, limit)
	return out, postgres.Translate(err, "revocations")
}
