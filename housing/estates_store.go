package housing

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"

	"talentd/internal/postgres"
)

// translateInventory adds the inventory's meaning to driver errors.
func translateInventory(err error, what string) error {
	switch postgres.Constraint(err) {
	case "housing_estates_name_key":
		return ErrEstateNameTaken.With(err)
	case "housing_units_number_key":
		return ErrUnitNumberTaken.With(err)
	case "housing_units_estate_id_fkey":
		return errUnknownEstate(0).With(err)
	}
	return postgres.Translate(err, what)
}

const estateColumns = `id, name, address, version, created_at, updated_at`

func getEstate(ctx context.Context, q sqlx.QueryerContext, id int64, forUpdate bool) (Estate, error) {
	query := `SELECT ` + estateColumns + ` FROM housing_estates WHERE id = $1`
	if forUpdate {
		query += ` FOR UPDATE`
	}
	var e Estate
	err := sqlx.GetContext(ctx, q, &e, query, id)
	if errors.Is(err, sql.ErrNoRows) {
		return e, ErrEstateNotFound
	}
	return e, translateInventory(err, "estate")
}

func insertEstate(ctx context.Context, q sqlx.QueryerContext, in EstateInput) (Estate, error) {
	var e Estate
	err := sqlx.GetContext(ctx, q, &e, `INSERT INTO housing_estates (name, address) VALUES ($1, $2)
		RETURNING `+estateColumns, in.Name, in.Address)
	return e, translateInventory(err, "create estate")
}

func updateEstate(ctx context.Context, q sqlx.QueryerContext, id int64, in EstateInput) (Estate, error) {
	var e Estate
	err := sqlx.GetContext(ctx, q, &e, `UPDATE housing_estates SET name = $2, address = $3, version = version + 1,
		updated_at = now() WHERE id = $1 RETURNING `+estateColumns, id, in.Name, in.Address)
	return e, translateInventory(err, "update estate")
}

// listEstates returns up to limit estates after the id, in id order.
func listEstates(ctx context.Context, q sqlx.QueryerContext, after int64, limit int) ([]Estate, error) {
	var rows []Estate
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+estateColumns+` FROM housing_estates
		WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	return rows, translateInventory(err, "list estates")
}

// estateByName returns the id of the estate of that name, adding the estate when there is none.
func estateByName(ctx context.Context, q sqlx.QueryerContext, in EstateInput) (id int64, created bool, err error) {
	err = sqlx.GetContext(ctx, q, &id, `SELECT id FROM housing_estates WHERE name = $1`, in.Name)
	if !errors.Is(err, sql.ErrNoRows) {
		return id, false, translateInventory(err, "estate")
	}
	e, err := insertEstate(ctx, q, in)
	return e.ID, err == nil, err
}
