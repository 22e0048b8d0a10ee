package subsidy

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"

	"talentd/internal/postgres"
)

// translate adds the subsidy slice's meaning to driver errors.
func translate(err error, what string) error {
	switch postgres.Constraint(err) {
	case "subsidy_programmes_code_key":
		return ErrProgrammeCode.With(err)
	case "subsidy_nominations_talent_key":
		return ErrAlreadyNominated.With(err)
	case "subsidy_awards_talent_key":
		return ErrAlreadyAwarded.With(err)
	}
	return postgres.Translate(err, what)
}

const programmeColumns = `id, kind, code, name, year, budget_fen, committed_fen, paid_fen, rules, status, version,
	created_at, updated_at`

// getProgramme reads a programme; onlyOpen hides a closed one (HR's view), forUpdate locks the row
// (every change of the budget's figures takes that lock first).
func getProgramme(ctx context.Context, q sqlx.QueryerContext, id int64, onlyOpen, forUpdate bool) (Programme, error) {
	query := `SELECT ` + programmeColumns + ` FROM subsidy_programmes WHERE id = $1 AND (NOT $2 OR status = 'open')`
	if forUpdate {
		query += ` FOR UPDATE`
	}
	var p Programme
	err := sqlx.GetContext(ctx, q, &p, query, id, onlyOpen)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrProgrammeNotFound
	}
	return p.remaining(), translate(err, "programme")
}

func insertProgramme(ctx context.Context, q sqlx.QueryerContext, in ProgrammeInput, by *int64) (Programme, error) {
	var p Programme
	err := sqlx.GetContext(ctx, q, &p, `INSERT INTO subsidy_programmes (kind, code, name, year, budget_fen, rules, status,
		created_by_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+programmeColumns,
		in.Kind, in.Code, in.Name, in.Year, in.BudgetFen, in.Rules, in.Status, by)
	return p.remaining(), translate(err, "create programme")
}

func updateProgramme(ctx context.Context, q sqlx.QueryerContext, id int64, in ProgrammeInput) (Programme, error) {
	var p Programme
	err := sqlx.GetContext(ctx, q, &p, `UPDATE subsidy_programmes SET code = $2, name = $3, year = $4, budget_fen = $5,
		rules = $6, status = $7, version = version + 1, updated_at = now() WHERE id = $1 RETURNING `+programmeColumns,
		id, in.Code, in.Name, in.Year, in.BudgetFen, in.Rules, in.Status)
	return p.remaining(), translate(err, "update programme")
}

func setProgrammeStatus(ctx context.Context, q sqlx.QueryerContext, id int64, status ProgrammeStatus) (Programme, error) {
	var p Programme
	err := sqlx.GetContext(ctx, q, &p, `UPDATE subsidy_programmes SET status = $2, version = version + 1, updated_at = now()
		WHERE id = $1 RETURNING `+programmeColumns, id, status)
	return p.remaining(), translate(err, "set programme status")
}

// listProgrammes returns up to limit programmes after the id, in id order, filtered.
func listProgrammes(ctx context.Context, q sqlx.QueryerContext, f ProgrammeFilter, onlyOpen bool, after int64, limit int) ([]Programme, error) {
	var rows []Programme
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+programmeColumns+` FROM subsidy_programmes
		WHERE id > $1 AND ($2 = '' OR kind = $2) AND (CAST($3 AS integer) = 0 OR year = CAST($3 AS integer))
		  AND ($4 = '' OR status = $4) AND (NOT $5 OR status = 'open')
		ORDER BY id LIMIT $6`, after, f.Kind, f.Year, f.Status, onlyOpen, limit)
	for i := range rows {
		rows[i] = rows[i].remaining()
	}
	return rows, translate(err, "list programmes")
}

// addCommitted moves a programme's committed and paid totals; the caller holds the row's lock.
func addCommitted(ctx context.Context, q sqlx.ExecerContext, id int64, committed, paid int64) error {
	_, err := q.ExecContext(ctx, `UPDATE subsidy_programmes SET committed_fen = committed_fen + $2,
		paid_fen = paid_fen + $3, updated_at = now() WHERE id = $1`, id, committed, paid)
	return translate(err, "programme totals")
}
