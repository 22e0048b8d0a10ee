package greencard

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/postgres"
)

// The account's verifications since the instant, by verdict.
const selectStationScans = `
SELECT count(*) AS scans, count(*) FILTER (WHERE valid) AS valid, count(*) FILTER (WHERE NOT valid) AS invalid
FROM card_verifications WHERE at >= $2 AND account_id = $1`

// The uses the account recorded since the instant. The service codes lead the filter so that the
// (service_code, used_at) index reads only the day's uses.
const selectStationUses = `
SELECT count(*) FILTER (WHERE voided_at IS NULL) AS uses, count(*) FILTER (WHERE voided_at IS NOT NULL) AS voided
FROM service_uses WHERE service_code IN (SELECT code FROM service_items) AND used_at >= $2 AND account_id = $1`

// stationDay reads the account's figures since the instant and its latest uses; year is the year
// whose quotas the uses' remaining counts refer to.
func stationDay(ctx context.Context, q sqlx.QueryerContext, accountID int64, since time.Time, year int) (StationDay, error) {
	var d StationDay
	if err := sqlx.GetContext(ctx, q, &d, selectStationScans, accountID, since); err != nil {
		return d, postgres.Translate(err, "station scans")
	}
	var uses struct {
		Uses   int `db:"uses"`
		Voided int `db:"voided"`
	}
	if err := sqlx.GetContext(ctx, q, &uses, selectStationUses, accountID, since); err != nil {
		return d, postgres.Translate(err, "station uses")
	}
	d.Uses, d.Voided = uses.Uses, uses.Voided
	d.RecentUses = []StationUse{}
	err := sqlx.SelectContext(ctx, q, &d.RecentUses, `SELECT x.*, s.name_zh AS service_name FROM (`+useColumns+`
    WHERE u.service_code IN (SELECT code FROM service_items) AND u.used_at >= $3 AND u.account_id = $2
    ORDER BY u.used_at DESC, u.id DESC LIMIT $4) x
JOIN service_items s ON s.code = x.service_code
ORDER BY x.used_at DESC, x.id DESC`, year, accountID, since, StationRecentUses)
	return d, postgres.Translate(err, "station uses")
}
