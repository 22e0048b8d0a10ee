package housing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/postgres"
	"talentd/talent"
)

// translateApplication maps the application table's constraints to the slice's errors.
func translateApplication(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrApplicationNotFound
	}
	if postgres.Constraint(err) == "housing_applications_one_live" {
		return ErrLiveApplication.With(err)
	}
	return postgres.Translate(err, what)
}

const applicationColumns = `a.id, a.kind, a.talent_id, a.enterprise_id, e.name AS enterprise_name,
       a.applicant_name AS "applicant.name", a.id_number_masked AS "applicant.id_number", a.grade,
       a.household_size, a.preferred_rooms, a.current_housing, a.notes, a.status, a.status_reason, a.refusals,
       a.applied_at, a.version, a.id_number_hash`

const applicationFrom = ` FROM housing_applications a LEFT JOIN enterprises e ON e.id = a.enterprise_id`

// getApplication reads one application; forUpdate locks its row for the rest of the transaction.
func getApplication(ctx context.Context, q sqlx.QueryerContext, id int64, forUpdate bool) (Application, error) {
	query := `SELECT ` + applicationColumns + applicationFrom + ` WHERE a.id = $1`
	if forUpdate {
		query += ` FOR UPDATE OF a`
	}
	var a Application
	err := sqlx.GetContext(ctx, q, &a, query, id)
	return a, translateApplication(err, "read application")
}

// applicantTalent is what filing a talent-apartment application reads of the registry.
type applicantTalent struct {
	ID           int64         `db:"id"`
	EnterpriseID *int64        `db:"enterprise_id"`
	Status       string        `db:"status"`
	Name         string        `db:"name"`
	Grade        *talent.Grade `db:"grade"`
	Cipher       []byte        `db:"id_number_cipher"`
	Hash         []byte        `db:"id_number_hash"`
	Masked       string        `db:"id_number_masked"`
}

// lockApplicantTalent reads a talent with its row share-locked, so that a departure from the
// registry committed meanwhile waits for the filing (and its hook then sees the application).
func lockApplicantTalent(ctx context.Context, q sqlx.QueryerContext, id int64) (applicantTalent, error) {
	var t applicantTalent
	err := sqlx.GetContext(ctx, q, &t, `SELECT id, enterprise_id, status, name, grade, id_number_cipher,
		id_number_hash, id_number_masked FROM talents WHERE id = $1 FOR SHARE`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return t, talent.ErrTalentNotFound
	}
	return t, postgres.Translate(err, "read talent")
}

// hasLiveCard reports whether the talent holds an active, unexpired green card on the given day.
// Housing may not import greencard (the slices stay apart), so it reads the card tables directly:
// the card's current version carries its expiry.
func hasLiveCard(ctx context.Context, q sqlx.QueryerContext, talentID int64, on civil.Date) (bool, error) {
	var ok bool
	err := sqlx.GetContext(ctx, q, &ok, `SELECT EXISTS (
		SELECT 1 FROM cards c JOIN card_versions v ON v.card_id = c.id AND v.version = c.current_version
		WHERE c.talent_id = $1 AND c.status = 'active' AND v.expires_on >= $2)`, talentID, on)
	return ok, postgres.Translate(err, "read green card")
}

// enterpriseExists reports whether the enterprise is in the registry.
func enterpriseExists(ctx context.Context, q sqlx.QueryerContext, id int64) (bool, error) {
	var ok bool
	err := sqlx.GetContext(ctx, q, &ok, `SELECT EXISTS (SELECT 1 FROM enterprises WHERE id = $1)`, id)
	return ok, postgres.Translate(err, "read enterprise")
}

// holdsActiveLease reports whether the person (by blind index) holds an active lease of the kind.
func holdsActiveLease(ctx context.Context, q sqlx.QueryerContext, kind Kind, hash []byte) (bool, error) {
	var ok bool
	err := sqlx.GetContext(ctx, q, &ok, `SELECT EXISTS (SELECT 1 FROM housing_leases
		WHERE kind = $1 AND id_number_hash = $2 AND status = 'active')`, kind, hash)
	return ok, postgres.Translate(err, "read leases")
}

// newApplication is an application row to insert.
type newApplication struct {
	kind           Kind
	talentID       *int64
	enterpriseID   *int64
	name           string
	sealed         talent.SealedIDNumber
	grade          *talent.Grade
	householdSize  int
	preferredRooms []int
	currentHousing string
	notes          string
}

func insertApplication(ctx context.Context, q sqlx.QueryerContext, a newApplication, by *int64) (int64, error) {
	rooms := make(pq.Int64Array, len(a.preferredRooms))
	for i, r := range a.preferredRooms {
		rooms[i] = int64(r)
	}
	var id int64
	err := sqlx.GetContext(ctx, q, &id, `INSERT INTO housing_applications (kind, talent_id, enterprise_id, applicant_name,
		id_number_cipher, id_number_hash, id_number_masked, grade, household_size, preferred_rooms, current_housing, notes,
		filed_by_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
		a.kind, a.talentID, a.enterpriseID, a.name, a.sealed.Cipher, a.sealed.Hash, a.sealed.Masked, a.grade,
		a.householdSize, rooms, a.currentHousing, a.notes, by)
	return id, translateApplication(err, "file application")
}

// endApplication moves a live application to a final status with the reason shown on it.
func endApplication(ctx context.Context, q sqlx.ExecerContext, id int64, to ApplicationStatus, reason string) error {
	_, err := q.ExecContext(ctx, `UPDATE housing_applications SET status = $2, status_reason = $3,
		version = version + 1, updated_at = now() WHERE id = $1`, id, to, reason)
	return translateApplication(err, "update application")
}

// applicationScopeSQL confines a query over housing_applications a to a scope, whose
// applicationScopeArgs are the parameters $n and $n+1.
func applicationScopeSQL(n int) string {
	return fmt.Sprintf(`(CAST($%d AS boolean) OR a.enterprise_id = CAST($%d AS bigint))`, n, n+1)
}

func applicationScopeArgs(scope auth.Scope) []any { return []any{scope.All(), scope.EnterpriseID()} }

// The waiting list reads oldest first; the cursor names the last application of a page, whose
// (applied_at, id) the next page starts after (applied_at never changes).
var selectApplications = `SELECT ` + applicationColumns + applicationFrom + `
WHERE ` + applicationScopeSQL(7) + `
  AND ($1 = '' OR a.kind = $1) AND ($2 = '' OR a.status = $2)
  AND (CAST($3 AS bigint) = 0 OR a.enterprise_id = CAST($3 AS bigint))
  AND (CAST($4 AS bigint) = 0 OR a.talent_id = CAST($4 AS bigint))
  AND (CAST($5 AS bigint) = 0 OR (a.applied_at, a.id) >
       (SELECT c.applied_at, c.id FROM housing_applications c WHERE c.id = CAST($5 AS bigint)))
ORDER BY a.applied_at, a.id LIMIT $6`

// listApplications returns up to limit applications in the scope matching the filter, oldest
// first, after the application with id after (0: from the start).
func listApplications(ctx context.Context, q sqlx.QueryerContext, f ApplicationFilter, scope auth.Scope, after int64, limit int) ([]Application, error) {
	rows := []Application{}
	err := sqlx.SelectContext(ctx, q, &rows, selectApplications, append([]any{string(f.Kind), string(f.Status),
		f.EnterpriseID, f.TalentID, after, limit}, applicationScopeArgs(scope)...)...)
	return rows, translateApplication(err, "list applications")
}

// offerEnd says how a live offer ends: its new status, and for a refusal the reason.
type offerEnd struct {
	status OfferStatus
	reason *DeclineReason
	text   string
	by     *int64
	at     time.Time
}

// liveOfferOf returns the id and unit of the application's live offer, locked; ok is false when
// it has none.
func liveOfferOf(ctx context.Context, q sqlx.QueryerContext, applicationID int64) (id, unitID int64, ok bool, err error) {
	var row struct {
		ID     int64 `db:"id"`
		UnitID int64 `db:"unit_id"`
	}
	err = sqlx.GetContext(ctx, q, &row, `SELECT id, unit_id FROM housing_offers
		WHERE application_id = $1 AND status = 'offered' FOR UPDATE`, applicationID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, postgres.Translate(err, "read offer")
	}
	return row.ID, row.UnitID, true, nil
}

// releaseOffer ends a live offer (withdrawn, declined or expired) and frees its unit: the hold
// row goes and the unit is available again. It refuses an offer that is no longer live, so two
// ends of one offer cannot both free its unit.
func releaseOffer(ctx context.Context, q sqlx.ExtContext, offerID, unitID int64, end offerEnd) error {
	res, err := q.ExecContext(ctx, `UPDATE housing_offers SET status = $2, decline_reason = $3, decline_text = $4,
		decided_at = $5, decided_by_id = $6, version = version + 1 WHERE id = $1 AND status = 'offered'`,
		offerID, end.status, end.reason, end.text, end.at, end.by)
	if err != nil {
		return postgres.Translate(err, "end offer")
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return ErrOfferNotFound
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM housing_unit_holds WHERE unit_id = $1 AND offer_id = $2`, unitID, offerID); err != nil {
		return postgres.Translate(err, "release unit hold")
	}
	_, err = q.ExecContext(ctx, `UPDATE housing_units SET status = 'available', version = version + 1, updated_at = now()
		WHERE id = $1 AND status = 'offered'`, unitID)
	return postgres.Translate(err, "free unit")
}
