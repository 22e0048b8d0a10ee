package housing

import (
	"context"

	"github.com/jmoiron/sqlx"

	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/postgres"
)

// scoped confines a query to the scope, taken as $1 (sees all) and $2 (the enterprise otherwise).
func scoped(column string) string {
	return `(CAST($1 AS boolean) OR ` + column + ` = CAST($2 AS bigint))`
}

const selectUnitCounts = `SELECT kind, status, count(*) AS count FROM housing_units GROUP BY kind, status ORDER BY kind, status`

// selectKindStats takes today's district date as $3. The scope does not narrow the inventory.
var selectKindStats = `
WITH k(kind) AS (VALUES ('talent_apartment'), ('public_rental')),
u AS (SELECT kind, count(*) AS units, count(*) FILTER (WHERE status = 'occupied') AS occupied,
             count(*) FILTER (WHERE status = 'maintenance') AS maintenance
      FROM housing_units GROUP BY kind),
l AS (SELECT kind, count(*) AS leases, sum(residents) AS residents FROM housing_leases
      WHERE status = 'active' AND ` + scoped("enterprise_id") + ` GROUP BY kind),
a AS (SELECT kind, count(*) AS waiting,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY CAST($3 AS date) - ` + civil.SQLDateOf("applied_at") + `) AS median
      FROM housing_applications WHERE status = 'pending' AND ` + scoped("enterprise_id") + ` GROUP BY kind)
SELECT k.kind, COALESCE(u.units, 0) AS units, COALESCE(u.occupied, 0) AS occupied, COALESCE(u.maintenance, 0) AS maintenance,
       COALESCE(round(u.occupied::numeric / NULLIF(u.units - u.maintenance, 0), 4), 0)::float8 AS occupancy_rate,
       COALESCE(l.leases, 0) AS leases, COALESCE(l.residents, 0) AS residents,
       COALESCE(a.waiting, 0) AS waiting, COALESCE(a.median, 0)::float8 AS median_wait_days
FROM k LEFT JOIN u USING (kind) LEFT JOIN l USING (kind) LEFT JOIN a USING (kind)
ORDER BY k.kind DESC`

var selectServed = `SELECT COALESCE(sum(residents), 0) AS residents, count(DISTINCT enterprise_id) AS enterprises
FROM housing_leases WHERE status = 'active' AND ` + scoped("enterprise_id")

var selectRoundOffers = `
SELECT r.id AS round_id, r.title, r.kind, r.status, count(o.id) AS offers,
       count(o.id) FILTER (WHERE o.status = 'offered') AS open,
       count(o.id) FILTER (WHERE o.status = 'accepted') AS accepted,
       count(o.id) FILTER (WHERE o.status = 'declined') AS declined,
       count(o.id) FILTER (WHERE o.status = 'expired') AS expired
FROM housing_rounds r
LEFT JOIN (housing_offers o JOIN housing_applications a ON a.id = o.application_id)
       ON o.round_id = r.id AND ` + scoped("a.enterprise_id") + `
GROUP BY r.id ORDER BY r.id DESC`

var selectDeclineReasons = `
SELECT o.round_id, o.decline_reason, count(*) AS count
FROM housing_offers o JOIN housing_applications a ON a.id = o.application_id
WHERE o.status = 'declined' AND ` + scoped("a.enterprise_id") + `
GROUP BY o.round_id, o.decline_reason`

// housingStatistics computes the figures within the scope, as of today in the district.
func housingStatistics(ctx context.Context, q sqlx.QueryerContext, scope auth.Scope, today civil.Date) (HousingStats, error) {
	args := []any{scope.All(), scope.EnterpriseID()}
	out := HousingStats{Units: []UnitCount{}, Kinds: []KindStats{}, Rounds: []RoundOfferStats{}}
	if err := sqlx.SelectContext(ctx, q, &out.Units, selectUnitCounts); err != nil {
		return out, postgres.Translate(err, "housing statistics")
	}
	if err := sqlx.SelectContext(ctx, q, &out.Kinds, selectKindStats, append(args, today)...); err != nil {
		return out, postgres.Translate(err, "housing statistics")
	}
	var served struct {
		Residents   int `db:"residents"`
		Enterprises int `db:"enterprises"`
	}
	if err := sqlx.GetContext(ctx, q, &served, selectServed, args...); err != nil {
		return out, postgres.Translate(err, "housing statistics")
	}
	out.ResidentsHoused, out.EnterprisesServed = served.Residents, served.Enterprises
	if err := sqlx.SelectContext(ctx, q, &out.Rounds, selectRoundOffers, args...); err != nil {
		return out, postgres.Translate(err, "housing statistics")
	}
	var reasons []struct {
		RoundID int64  `db:"round_id"`
		Reason  string `db:"decline_reason"`
		Count   int    `db:"count"`
	}
	if err := sqlx.SelectContext(ctx, q, &reasons, selectDeclineReasons, args...); err != nil {
		return out, postgres.Translate(err, "housing statistics")
	}
	byRound := map[int64]map[string]int{}
	for _, r := range reasons {
		if byRound[r.RoundID] == nil {
			byRound[r.RoundID] = map[string]int{}
		}
		byRound[r.RoundID][r.Reason] = r.Count
	}
	for i := range out.Rounds {
		out.Rounds[i].DeclinedByReason = map[string]int{}
		for _, code := range DeclineReasonVocab.Codes() {
			out.Rounds[i].DeclinedByReason[code] = byRound[out.Rounds[i].RoundID][code]
		}
	}
	return out, nil
}
