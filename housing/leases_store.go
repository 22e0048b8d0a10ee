package housing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/money"
	"talentd/internal/postgres"
)

// translateLease maps the lease and hold constraints to the slice's errors: the database keeps
// one active lease per unit and per person, whatever races the service loses.
func translateLease(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrLeaseNotFound
	}
	switch postgres.Constraint(err) {
	case "housing_leases_one_live_per_person":
		return ErrLiveLease.With(err)
	case "housing_leases_one_live_per_unit", "housing_unit_holds_pkey":
		return ErrUnitHeld.With(err)
	case "housing_leases_offer_key":
		return errOfferLeased.With(err)
	}
	return postgres.Translate(err, what)
}

const leaseColumns = `l.id, l.kind, l.unit_id, l.offer_id, l.application_id, l.talent_id, l.enterprise_id,
       e.name AS enterprise_name, l.tenant_name AS "tenant.name", l.id_number_masked AS "tenant.id_number",
       l.start_on, l.end_on, l.monthly_rent_fen, l.residents, l.resident_names, l.status, l.move_out_due,
       l.move_out_on, l.ended_on, l.end_reason, l.version, l.created_at, l.updated_at`

const leaseFrom = ` FROM housing_leases l LEFT JOIN enterprises e ON e.id = l.enterprise_id`

// getLease reads one lease; forUpdate locks its row for the rest of the transaction.
func getLease(ctx context.Context, q sqlx.QueryerContext, id int64, forUpdate bool) (Lease, error) {
	query := `SELECT ` + leaseColumns + leaseFrom + ` WHERE l.id = $1`
	if forUpdate {
		query += ` FOR UPDATE OF l`
	}
	var l Lease
	err := sqlx.GetContext(ctx, q, &l, query, id)
	return l, translateLease(err, "read lease")
}

// createLease turns an accepted offer into a lease inside the caller's transaction: the lease
// starts on startOn and runs the settings' lease length, at the unit's rent after the class
// discount for a talent apartment (the full rent for public rental), for the application's
// household (residentNames, or the applicant alone when none are given). The unit's hold moves from the offer to the lease, the unit becomes occupied and the
// application housed. A unit or person already holding a lease is refused (ErrUnitHeld,
// ErrLiveLease) by the database, so two concurrent calls cannot both succeed.
func createLease(ctx context.Context, tx *sqlx.Tx, s *Service, offer Offer, app Application, unit Unit, st Settings, startOn civil.Date, residentNames []string) (Lease, error) {
	if len(residentNames) == 0 {
		residentNames = []string{app.Applicant.Name}
	}
	rent := int64(unit.MonthlyRentFen)
	if app.Kind == KindTalentApartment && app.Grade != nil {
		rent = st.DiscountedRent(rent, *app.Grade)
	}
	endOn := addMonths(startOn, st.LeaseMonths)
	// The applicant's number is read from the application itself, whatever the caller loaded.
	var who struct {
		Hash   []byte `db:"id_number_hash"`
		Masked string `db:"id_number_masked"`
	}
	if err := sqlx.GetContext(ctx, tx, &who, `SELECT id_number_hash, id_number_masked FROM housing_applications
		WHERE id = $1`, app.ID); err != nil {
		return Lease{}, translateApplication(err, "read applicant")
	}
	var id int64
	err := sqlx.GetContext(ctx, tx, &id, `INSERT INTO housing_leases (kind, unit_id, offer_id, application_id, talent_id,
		enterprise_id, tenant_name, id_number_hash, id_number_masked, start_on, end_on, monthly_rent_fen, residents, resident_names)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		app.Kind, unit.ID, offer.ID, app.ID, app.TalentID, app.EnterpriseID, app.Applicant.Name, who.Hash, who.Masked,
		startOn, endOn, rent, app.HouseholdSize, pq.StringArray(residentNames))
	if err != nil {
		return Lease{}, translateLease(err, "create lease")
	}
	res, err := tx.ExecContext(ctx, `UPDATE housing_unit_holds SET offer_id = NULL, lease_id = $1
		WHERE unit_id = $2 AND offer_id = $3`, id, unit.ID, offer.ID)
	if err != nil {
		return Lease{}, translateLease(err, "move unit hold")
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return Lease{}, ErrUnitHeld
	}
	if _, err := tx.ExecContext(ctx, `UPDATE housing_units SET status = 'occupied', version = version + 1, updated_at = now()
		WHERE id = $1`, unit.ID); err != nil {
		return Lease{}, postgres.Translate(err, "occupy unit")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE housing_applications SET status = 'housed', status_reason = '',
		version = version + 1, updated_at = now() WHERE id = $1`, app.ID); err != nil {
		return Lease{}, translateApplication(err, "house applicant")
	}
	if err := audit.Write(ctx, tx, audit.Entry{Action: "housing_lease.create", EntityType: "housing_lease",
		EntityID: strconv.FormatInt(id, 10), After: map[string]any{"unit_id": unit.ID, "offer_id": offer.ID,
			"application_id": app.ID, "start_on": startOn, "end_on": endOn, "monthly_rent_fen": money.Fen(rent),
			"residents": app.HouseholdSize}}); err != nil {
		return Lease{}, err
	}
	return getLease(ctx, tx, id, false)
}

// leaseScopeSQL confines a query over housing_leases l to a scope, whose leaseScopeArgs are the
// parameters $n and $n+1.
func leaseScopeSQL(n int) string {
	return fmt.Sprintf(`(CAST($%d AS boolean) OR l.enterprise_id = CAST($%d AS bigint))`, n, n+1)
}

var selectLeases = `SELECT ` + leaseColumns + leaseFrom + `
WHERE ` + leaseScopeSQL(7) + `
  AND ($1 = '' OR l.kind = $1) AND ($2 = '' OR l.status = $2)
  AND (CAST($3 AS bigint) = 0 OR l.enterprise_id = CAST($3 AS bigint))
  AND (NOT $4 OR l.move_out_due)
  AND (CAST($5 AS bigint) = 0 OR l.id < CAST($5 AS bigint))
ORDER BY l.id DESC LIMIT $6`

// listLeases returns up to limit leases in the scope matching the filter, newest first, before
// the lease with id before (0: from the newest).
func listLeases(ctx context.Context, q sqlx.QueryerContext, f LeaseFilter, scope auth.Scope, before int64, limit int) ([]Lease, error) {
	rows := []Lease{}
	err := sqlx.SelectContext(ctx, q, &rows, selectLeases, string(f.Kind), string(f.Status), f.EnterpriseID,
		f.MoveOutDue, before, limit, scope.All(), scope.EnterpriseID())
	return rows, translateLease(err, "list leases")
}

// execLease runs one lease update with the lease's id as $1.
func execLease(ctx context.Context, q sqlx.ExecerContext, what, query string, args ...any) error {
	_, err := q.ExecContext(ctx, query, args...)
	return translateLease(err, what)
}

// releaseLeaseHold frees an ended lease's unit: the hold row goes and the unit is available.
func releaseLeaseHold(ctx context.Context, q sqlx.ExecerContext, l Lease) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM housing_unit_holds WHERE unit_id = $1 AND lease_id = $2`, l.UnitID, l.ID); err != nil {
		return postgres.Translate(err, "release unit hold")
	}
	_, err := q.ExecContext(ctx, `UPDATE housing_units SET status = 'available', version = version + 1, updated_at = now()
		WHERE id = $1 AND status = 'occupied'`, l.UnitID)
	return postgres.Translate(err, "free unit")
}

// flagMoveOut marks the talent's active talent-apartment leases for move-out and returns their ids.
func flagMoveOut(ctx context.Context, q sqlx.QueryerContext, talentID int64) ([]int64, error) {
	ids := []int64{}
	err := sqlx.SelectContext(ctx, q, &ids, `UPDATE housing_leases SET move_out_due = true, version = version + 1,
		updated_at = now() WHERE talent_id = $1 AND kind = 'talent_apartment' AND status = 'active' AND NOT move_out_due
		RETURNING id`, talentID)
	return ids, translateLease(err, "flag lease for move-out")
}
