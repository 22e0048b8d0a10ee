package housing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/postgres"
)

// translateHold maps a violation of the one-holder-per-unit invariants onto ErrUnitHeld.
func translateHold(err error, what string) error {
	switch postgres.Constraint(err) {
	case "housing_unit_holds_pkey", "housing_offers_one_live_per_unit", "housing_leases_one_live_per_unit":
		return ErrUnitHeld.With(err)
	case "housing_offers_one_live_per_application":
		return ErrApplicationOffered.With(err)
	case "housing_leases_one_live_per_person":
		return ErrLiveLease.With(err)
	}
	return postgres.Translate(err, what)
}

// makeOffers offers unitIDs[i] to applicationIDs[i] from the round, in one statement: the offers,
// a hold on each unit (its primary key makes a unit held twice impossible), the units offered and
// the applications offered.
func makeOffers(ctx context.Context, q sqlx.QueryerContext, roundID int64, applicationIDs, unitIDs []int64, expires civil.Date) ([]int64, error) {
	var ids []int64
	err := sqlx.SelectContext(ctx, q, &ids, `
WITH o AS (
  INSERT INTO housing_offers (round_id, application_id, unit_id, expires_on)
  SELECT $1, x.a, x.u, $4 FROM unnest(CAST($2 AS bigint[]), CAST($3 AS bigint[])) AS x(a, u)
  RETURNING id, application_id, unit_id),
h AS (INSERT INTO housing_unit_holds (unit_id, offer_id) SELECT unit_id, id FROM o),
u AS (UPDATE housing_units SET status = 'offered', version = version + 1, updated_at = now()
      WHERE id = ANY(CAST($3 AS bigint[]))),
a AS (UPDATE housing_applications SET status = 'offered', version = version + 1, updated_at = now()
      WHERE id = ANY(CAST($2 AS bigint[])))
SELECT id FROM o ORDER BY id`, roundID, pq.Array(applicationIDs), pq.Array(unitIDs), expires)
	return ids, translateHold(err, "make offers")
}

// offerRow is an offer with the enterprise of its application, which scopes it.
type offerRow struct {
	Offer
	Kind          Kind    `db:"kind"`
	EnterpriseID  *int64  `db:"enterprise_id"`
	Grade         *string `db:"grade"`
	HouseholdSize int     `db:"household_size"`
}

const offerColumns = `o.id, o.round_id, o.application_id, o.unit_id, o.status, o.offered_at, o.expires_on, o.decided_at,
       o.decline_reason, o.decline_text, o.version, a.kind, a.enterprise_id, a.grade, a.household_size`

const offerFrom = ` FROM housing_offers o JOIN housing_applications a ON a.id = o.application_id`

// getOffer reads an offer; forUpdate locks the offer (not its application) until the transaction ends.
func getOffer(ctx context.Context, q sqlx.QueryerContext, id int64, forUpdate bool) (offerRow, error) {
	query := `SELECT ` + offerColumns + offerFrom + ` WHERE o.id = $1`
	if forUpdate {
		query += ` FOR UPDATE OF o`
	}
	var o offerRow
	err := sqlx.GetContext(ctx, q, &o, query, id)
	if errors.Is(err, sql.ErrNoRows) {
		return o, ErrOfferNotFound
	}
	return o, postgres.Translate(err, "housing offer")
}

// listOffers returns up to limit offers in the scope matching the filter, before the id, newest first.
func listOffers(ctx context.Context, q sqlx.QueryerContext, f OfferFilter, scope auth.Scope, before int64, limit int) ([]Offer, error) {
	var rows []offerRow
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+offerColumns+offerFrom+`
WHERE (CAST($1 AS boolean) OR a.enterprise_id = CAST($2 AS bigint))
  AND (CAST($3 AS bigint) = 0 OR o.round_id = CAST($3 AS bigint))
  AND (CAST($4 AS bigint) = 0 OR o.application_id = CAST($4 AS bigint))
  AND ($5 = '' OR o.status = $5)
  AND (CAST($6 AS bigint) = 0 OR o.id < CAST($6 AS bigint))
ORDER BY o.id DESC LIMIT $7`, scope.All(), scope.EnterpriseID(), f.RoundID, f.ApplicationID, string(f.Status), before, limit)
	out := make([]Offer, len(rows))
	for i, r := range rows {
		out[i] = r.Offer
	}
	return out, postgres.Translate(err, "list housing offers")
}

// oneRow checks that a statement changed exactly one row: a hold that is not where the offer says
// is a broken invariant, never something to carry on from.
func oneRow(res sql.Result, err error, what string) error {
	if err != nil {
		return postgres.Translate(err, what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return postgres.Translate(err, what)
	}
	if n != 1 {
		return fmt.Errorf("%s: %d rows changed, want 1", what, n)
	}
	return nil
}

// closeOffer records an answer to a live offer: accepted, or declined/expired with the reason.
func closeOffer(ctx context.Context, q sqlx.ExecerContext, id int64, status OfferStatus, reason *DeclineReason, text string, by *int64) error {
	res, err := q.ExecContext(ctx, `UPDATE housing_offers SET status = $2, decline_reason = $3, decline_text = $4,
       decided_at = now(), decided_by_id = $5, version = version + 1 WHERE id = $1 AND status = 'offered'`,
		id, string(status), reason, text, by)
	return oneRow(res, err, "answer offer")
}

// releaseUnit ends the offer's hold on the unit and makes the unit available again.
func releaseUnit(ctx context.Context, q sqlx.ExecerContext, unitID, offerID int64) error {
	res, err := q.ExecContext(ctx, `DELETE FROM housing_unit_holds WHERE unit_id = $1 AND offer_id = $2`, unitID, offerID)
	if err := oneRow(res, err, "release unit hold"); err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `UPDATE housing_units SET status = 'available', version = version + 1, updated_at = now()
WHERE id = $1 AND status = 'offered'`, unitID)
	return postgres.Translate(err, "release unit")
}

// refuseApplication puts a refusing applicant back on the waiting list with one refusal more, or
// ends the application (declined) when the household changed.
func refuseApplication(ctx context.Context, q sqlx.ExecerContext, id int64, ends bool) error {
	status, reason := ApplicationPending, ""
	if ends {
		status, reason = ApplicationDeclined, string(DeclineHouseholdChanged)
	}
	_, err := q.ExecContext(ctx, `UPDATE housing_applications SET status = $2, status_reason = $3,
       refusals = refusals + CASE WHEN $4 THEN 0 ELSE 1 END, version = version + 1, updated_at = now() WHERE id = $1`,
		id, string(status), reason, ends)
	return postgres.Translate(err, "refuse offer")
}

// cascadeCandidate is an applicant on a round's list who might take a freed unit.
type cascadeCandidate struct {
	ApplicationID  int64         `db:"application_id"`
	HouseholdSize  int           `db:"household_size"`
	PreferredRooms pq.Int64Array `db:"preferred_rooms"`
}

// cascadeCandidates lists, in the round's rank order, the applicants still waiting with no live
// offer who were never offered the unit before.
func cascadeCandidates(ctx context.Context, q sqlx.QueryerContext, roundID, unitID int64) ([]cascadeCandidate, error) {
	var rows []cascadeCandidate
	err := sqlx.SelectContext(ctx, q, &rows, `
SELECT e.application_id, a.household_size, a.preferred_rooms
FROM housing_round_entries e JOIN housing_applications a ON a.id = e.application_id
WHERE e.round_id = $1 AND a.status = 'pending'
  AND NOT EXISTS (SELECT 1 FROM housing_offers o WHERE o.application_id = a.id AND (o.status = 'offered' OR o.unit_id = $2))
ORDER BY e.rank`, roundID, unitID)
	return rows, postgres.Translate(err, "cascade")
}

// lockPendingApplication locks an application and reports whether it is still waiting.
func lockPendingApplication(ctx context.Context, q sqlx.QueryerContext, id int64) (bool, error) {
	var pending bool
	err := q.QueryRowxContext(ctx, `SELECT status = 'pending' FROM housing_applications WHERE id = $1 FOR UPDATE`, id).Scan(&pending)
	return pending, postgres.Translate(err, "lock application")
}

// expiredOfferIDs lists live offers whose last day to answer is before today.
func expiredOfferIDs(ctx context.Context, q sqlx.QueryerContext, today civil.Date) ([]int64, error) {
	var ids []int64
	err := sqlx.SelectContext(ctx, q, &ids, `SELECT id FROM housing_offers WHERE status = 'offered' AND expires_on < $1 ORDER BY id`, today)
	return ids, postgres.Translate(err, "expired offers")
}
