package greencard

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/auth"
	"talentd/internal/postgres"
)

// Consume one unit of the holder's yearly quota; no row comes back when none is left, so of two
// concurrent uses of the last unit exactly one succeeds (the row lock serialises them).
const consumeQuota = `
INSERT INTO service_quota_usage AS u (talent_id, service_code, year, used) VALUES ($1, $2, $3, 1)
ON CONFLICT (talent_id, service_code, year) DO UPDATE SET used = u.used + 1
WHERE CAST($4 AS integer) IS NULL OR u.used < CAST($4 AS integer)
RETURNING used`

// takeQuota consumes one unit of the holder's quota of the service in the year, or refuses with
// ErrQuotaExhausted.
func takeQuota(ctx context.Context, q sqlx.QueryerContext, talentID int64, code string, year int, quota *int) error {
	if quota != nil && *quota == 0 {
		return ErrQuotaExhausted
	}
	var used int
	err := sqlx.GetContext(ctx, q, &used, consumeQuota, talentID, code, year, quota)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrQuotaExhausted
	}
	return postgres.Translate(err, "service quota")
}

const returnQuota = `
UPDATE service_quota_usage SET used = used - 1 WHERE talent_id = $1 AND service_code = $2 AND year = $3 AND used > 0`

// giveBackQuota returns the unit a voided use took.
func giveBackQuota(ctx context.Context, q sqlx.ExecerContext, u Use) error {
	_, err := q.ExecContext(ctx, returnQuota, u.TalentID, u.ServiceCode, u.Year)
	return postgres.Translate(err, "service quota")
}

// A use made at $8 and recorded at $9: later, when a window that was offline sends it.
const insertUse = `
INSERT INTO service_uses (card_id, talent_id, service_code, year, account_id, window_name, note, used_at, received_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING id`

func insertUseRow(ctx context.Context, q sqlx.QueryerContext, cardID, talentID int64, code string, year int, usedAt, receivedAt time.Time,
	by auth.Principal, window, note string) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, q, &id, insertUse, cardID, talentID, code, year, by.ActorID(), window, note, usedAt, receivedAt)
	return id, postgres.Translate(err, "record use")
}

// A use with what its holder has left of the service in year $1.
const useColumns = `
SELECT u.id, c.serial, u.talent_id, u.service_code, u.used_at, u.received_at, u.window_name, u.note, u.year, u.account_id,
       CASE WHEN u.voided_at IS NULL THEN 'recorded' ELSE 'voided' END AS status, u.voided_at, u.voided_by, u.void_reason,
       i.yearly_quota IS NULL AS unlimited,
       CASE WHEN i.yearly_quota IS NOT NULL THEN GREATEST(i.yearly_quota - COALESCE(q.used, 0), 0) END AS remaining
FROM service_uses u
JOIN cards c ON c.id = u.card_id
JOIN service_items i ON i.code = u.service_code
LEFT JOIN service_quota_usage q ON q.talent_id = u.talent_id AND q.service_code = u.service_code AND q.year = $1`

func getUse(ctx context.Context, q sqlx.QueryerContext, id int64, year int, forUpdate bool) (Use, error) {
	query := useColumns + ` WHERE u.id = $2`
	if forUpdate {
		query += ` FOR UPDATE OF u`
	}
	var u Use
	err := sqlx.GetContext(ctx, q, &u, query, year, id)
	if errors.Is(err, sql.ErrNoRows) {
		return u, ErrUseNotFound
	}
	return u, postgres.Translate(err, "service use")
}

func usesOfTalent(ctx context.Context, q sqlx.QueryerContext, talentID int64, year int) ([]Use, error) {
	out := []Use{}
	err := sqlx.SelectContext(ctx, q, &out, useColumns+` WHERE u.talent_id = $2 ORDER BY u.used_at DESC, u.id DESC LIMIT 500`, year, talentID)
	return out, postgres.Translate(err, "service uses")
}

const updateVoidUse = `
UPDATE service_uses SET voided_at = now(), voided_by_id = $2, voided_by = $3, void_reason = $4 WHERE id = $1`

func voidUseRow(ctx context.Context, q sqlx.ExecerContext, id int64, by auth.Principal, reason string) error {
	_, err := q.ExecContext(ctx, updateVoidUse, id, by.ActorID(), by.Username, reason)
	return postgres.Translate(err, "void use")
}

// Uses per service in [$1, $2) that were not voided; HR ($3 false) counts its enterprise ($4) only.
const selectUseCounts = `
SELECT i.code AS service_code, i.name_zh, count(u.id) AS uses, count(DISTINCT u.talent_id) AS holders
FROM service_items i
LEFT JOIN service_uses u ON u.service_code = i.code AND u.used_at >= $1 AND u.used_at < $2 AND u.voided_at IS NULL
     AND (CAST($3 AS boolean) OR u.talent_id IN (SELECT id FROM talents WHERE enterprise_id = CAST($4 AS bigint)))
GROUP BY i.code, i.name_zh, i.sort_order ORDER BY i.sort_order`

func useCounts(ctx context.Context, q sqlx.QueryerContext, from, to time.Time, scope auth.Scope) ([]UseCount, error) {
	out := []UseCount{}
	err := sqlx.SelectContext(ctx, q, &out, selectUseCounts, from, to, scope.All(), scope.EnterpriseID())
	return out, postgres.Translate(err, "service use counts")
}
