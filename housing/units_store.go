package housing

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
)

const unitSelectColumns = `u.id, u.estate_id, e.name AS estate_name, u.building, u.number, u.floor, u.rooms,
       u.area_m2::float8 AS area_m2, u.kind, u.monthly_rent_fen, u.status, u.version, u.created_at, u.updated_at`

const unitFrom = ` FROM housing_units u JOIN housing_estates e ON e.id = u.estate_id`

func getUnit(ctx context.Context, q sqlx.QueryerContext, id int64, forUpdate bool) (Unit, error) {
	query := `SELECT ` + unitSelectColumns + unitFrom + ` WHERE u.id = $1`
	if forUpdate {
		query += ` FOR UPDATE OF u`
	}
	var u Unit
	err := sqlx.GetContext(ctx, q, &u, query, id)
	if errors.Is(err, sql.ErrNoRows) {
		return u, ErrUnitNotFound
	}
	return u, translateInventory(err, "unit")
}

// unitHeld reports whether a live offer or lease holds the unit.
func unitHeld(ctx context.Context, q sqlx.QueryerContext, id int64) (bool, error) {
	var held bool
	err := sqlx.GetContext(ctx, q, &held, `SELECT EXISTS (SELECT 1 FROM housing_unit_holds WHERE unit_id = $1)`, id)
	return held, translateInventory(err, "unit hold")
}

func insertUnit(ctx context.Context, q sqlx.QueryerContext, in UnitInput) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, q, &id, `INSERT INTO housing_units
		(estate_id, building, number, floor, rooms, area_m2, kind, monthly_rent_fen)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		in.EstateID, in.Building, in.Number, in.Floor, in.Rooms, in.AreaM2, in.Kind, in.MonthlyRentFen)
	return id, translateInventory(err, "create unit")
}

func updateUnit(ctx context.Context, q sqlx.ExecerContext, id int64, in UnitInput) error {
	_, err := q.ExecContext(ctx, `UPDATE housing_units SET estate_id = $2, building = $3, number = $4, floor = $5,
		rooms = $6, area_m2 = $7, kind = $8, monthly_rent_fen = $9, version = version + 1, updated_at = now()
		WHERE id = $1`, id, in.EstateID, in.Building, in.Number, in.Floor, in.Rooms, in.AreaM2, in.Kind, in.MonthlyRentFen)
	return translateInventory(err, "update unit")
}

func setUnitStatus(ctx context.Context, q sqlx.ExecerContext, id int64, status UnitStatus) error {
	_, err := q.ExecContext(ctx, `UPDATE housing_units SET status = $2, version = version + 1, updated_at = now()
		WHERE id = $1`, id, status)
	return translateInventory(err, "unit status")
}

const selectUnits = `SELECT ` + unitSelectColumns + unitFrom + `
WHERE (CAST($1 AS bigint) = 0 OR u.estate_id = CAST($1 AS bigint))
  AND ($2 = '' OR u.kind = $2) AND ($3 = '' OR u.status = $3)
  AND (CAST($4 AS integer) < 0 OR u.rooms = CAST($4 AS integer))
  AND (CAST($5 AS float8) = 0 OR u.area_m2 >= CAST($5 AS float8))
  AND (CAST($6 AS float8) = 0 OR u.area_m2 <= CAST($6 AS float8))
  AND u.id > CAST($7 AS bigint)
ORDER BY u.id LIMIT $8`

// listUnits returns up to limit units matching the filter after the id, in id order.
func listUnits(ctx context.Context, q sqlx.QueryerContext, f UnitFilter, after int64, limit int) ([]Unit, error) {
	var rows []Unit
	err := sqlx.SelectContext(ctx, q, &rows, selectUnits, f.EstateID, f.Kind, f.Status, f.Rooms, f.MinArea, f.MaxArea,
		after, limit)
	return rows, translateInventory(err, "list units")
}

// unitByNumber reads the unit of an estate with the building and number, its row locked;
// sql.ErrNoRows when there is none.
func unitByNumber(ctx context.Context, q sqlx.QueryerContext, estateID int64, building, number string) (Unit, error) {
	var u Unit
	err := sqlx.GetContext(ctx, q, &u, `SELECT `+unitSelectColumns+unitFrom+`
		WHERE u.estate_id = $1 AND u.building = $2 AND u.number = $3 FOR UPDATE OF u`, estateID, building, number)
	if errors.Is(err, sql.ErrNoRows) {
		return u, err
	}
	return u, translateInventory(err, "unit")
}
