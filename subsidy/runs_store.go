package subsidy

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"talentd/internal/audit"
	"talentd/internal/errs"
	"talentd/internal/money"
	"talentd/internal/postgres"
)

const runColumns = `id, message_id, status, control_count, control_sum_fen, created_at, exported_at, settled_at, version`

const runLineColumns = `id, run_id, payout_id, end_to_end_id, amount_fen, status, reason_code, settled_at`

// runPayout is what a run needs of a payout: its state, amount and bank details.
type runPayout struct {
	ID            int64        `db:"id"`
	ProgrammeID   int64        `db:"programme_id"`
	ProgrammeName string       `db:"programme_name"`
	Status        PayoutStatus `db:"status"`
	AmountFen     money.Fen    `db:"amount_fen"`
	Cipher        []byte       `db:"bank_account_cipher"`
	Masked        string       `db:"bank_account_masked"`
	BankName      string       `db:"bank_name"`
	Holder        string       `db:"account_holder"`
	InPendingRun  bool         `db:"in_pending_run"`
}

const runPayoutColumns = `p.id, p.programme_id, g.name AS programme_name, p.status, p.amount_fen, p.bank_account_cipher,
	p.bank_account_masked, p.bank_name, p.account_holder,
	EXISTS (SELECT 1 FROM subsidy_payout_run_lines l WHERE l.payout_id = p.id AND l.status = 'pending') AS in_pending_run`

// lockRunPayouts reads and locks the payouts with the ids, in id order so that concurrent runs
// queue rather than deadlock.
func lockRunPayouts(ctx context.Context, tx *sqlx.Tx, ids []int64) ([]runPayout, error) {
	var rows []runPayout
	err := tx.SelectContext(ctx, &rows, `SELECT `+runPayoutColumns+` FROM subsidy_payouts p
		JOIN subsidy_programmes g ON g.id = p.programme_id
		WHERE p.id = ANY($1) ORDER BY p.id FOR UPDATE OF p`, pq.Array(ids))
	return rows, translate(err, "lock payouts")
}

// runPayouts reads the payouts of a run's lines, keyed by id; forUpdate locks them, in id order.
func runPayouts(ctx context.Context, q sqlx.QueryerContext, runID int64, forUpdate bool) (map[int64]runPayout, error) {
	query := `SELECT ` + runPayoutColumns + ` FROM subsidy_payouts p
		JOIN subsidy_programmes g ON g.id = p.programme_id
		WHERE p.id IN (SELECT payout_id FROM subsidy_payout_run_lines WHERE run_id = $1)`
	if forUpdate {
		query += ` ORDER BY p.id FOR UPDATE OF p`
	}
	var rows []runPayout
	err := sqlx.SelectContext(ctx, q, &rows, query, runID)
	out := make(map[int64]runPayout, len(rows))
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, translate(err, "run payouts")
}

func insertRun(ctx context.Context, tx *sqlx.Tx, messageID string, count int, sum money.Fen, by *int64) (PayoutRun, error) {
	var r PayoutRun
	err := tx.GetContext(ctx, &r, `INSERT INTO subsidy_payout_runs (message_id, control_count, control_sum_fen, created_by_id)
		VALUES ($1, $2, $3, $4) RETURNING `+runColumns, messageID, count, sum, by)
	return r, translate(err, "create payout run")
}

// insertRunLines adds one line per payout to the run in one statement, in the payouts' order, each
// under the end-to-end id "R<run>-P<payout>", and returns them in that order.
func insertRunLines(ctx context.Context, tx *sqlx.Tx, runID int64, payouts []runPayout) ([]RunLine, error) {
	ids, endToEnd, amounts := make([]int64, len(payouts)), make([]string, len(payouts)), make([]int64, len(payouts))
	for i, py := range payouts {
		ids[i], endToEnd[i], amounts[i] = py.ID, fmt.Sprintf("R%d-P%d", runID, py.ID), int64(py.AmountFen)
	}
	var lines []RunLine
	err := tx.SelectContext(ctx, &lines, `INSERT INTO subsidy_payout_run_lines (run_id, payout_id, end_to_end_id, amount_fen)
		SELECT $1, u.payout_id, u.end_to_end_id, u.amount_fen
		FROM unnest($2::bigint[], $3::text[], $4::bigint[]) WITH ORDINALITY AS u (payout_id, end_to_end_id, amount_fen, n)
		ORDER BY u.n RETURNING `+runLineColumns, runID, pq.Array(ids), pq.Array(endToEnd), pq.Array(amounts))
	if err != nil && postgres.Constraint(err) == "subsidy_payout_run_lines_live" {
		return nil, ErrRunPayoutInRun.With(err)
	}
	// The ids follow the insertion order; RETURNING need not.
	slices.SortFunc(lines, func(a, b RunLine) int { return cmp.Compare(a.ID, b.ID) })
	return lines, translate(err, "add run lines")
}

// getRun reads a run with its lines; forUpdate locks the run's row.
func getRun(ctx context.Context, q sqlx.QueryerContext, id int64, forUpdate bool) (PayoutRun, error) {
	query := `SELECT ` + runColumns + ` FROM subsidy_payout_runs WHERE id = $1`
	if forUpdate {
		query += ` FOR UPDATE`
	}
	var r PayoutRun
	err := sqlx.GetContext(ctx, q, &r, query, id)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrRunNotFound
	}
	if err != nil {
		return r, translate(err, "payout run")
	}
	err = sqlx.SelectContext(ctx, q, &r.Lines, `SELECT `+runLineColumns+` FROM subsidy_payout_run_lines
		WHERE run_id = $1 ORDER BY id`, id)
	return r, translate(err, "payout run lines")
}

func listRuns(ctx context.Context, q sqlx.QueryerContext, status RunStatus, after int64, limit int) ([]PayoutRun, error) {
	var rows []PayoutRun
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+runColumns+` FROM subsidy_payout_runs
		WHERE id > $1 AND ($2 = '' OR status = $2) ORDER BY id LIMIT $3`, after, string(status), limit)
	return rows, translate(err, "list payout runs")
}

// markRunExported records the first download of a run's file.
func markRunExported(ctx context.Context, tx *sqlx.Tx, id int64) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE subsidy_payout_runs SET status = 'exported', exported_at = now(),
		version = version + 1 WHERE id = $1 AND status = 'created'`, id)
	if err != nil {
		return false, translate(err, "export payout run")
	}
	n, err := res.RowsAffected()
	return n == 1, translate(err, "export payout run")
}

// settleRunLines records a report's outcome, with each line's reason, for the pending lines.
func settleRunLines(ctx context.Context, tx *sqlx.Tx, lineIDs []int64, status RunLineStatus, reasons []string) error {
	if len(lineIDs) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE subsidy_payout_run_lines l SET status = $2, reason_code = u.reason, settled_at = now()
		FROM unnest($1::bigint[], $3::text[]) AS u (id, reason) WHERE l.id = u.id AND l.status = 'pending'`,
		pq.Array(lineIDs), status, pq.Array(reasons))
	return translate(err, "settle run lines")
}

// payRunPayouts sets the approved payouts, locked by the caller, paid with each one's bank
// reference, and audits each in the same statement.
func payRunPayouts(ctx context.Context, tx *sqlx.Tx, runID int64, ids []int64, references []string) error {
	return settleRunPayouts(ctx, tx, "subsidy_payout.paid", ids, `UPDATE subsidy_payouts p SET status = 'paid',
			bank_reference = u.detail, paid_at = now(), attempts = attempts + 1, version = version + 1, updated_at = now()
		FROM unnest($1::bigint[], $2::text[]) AS u (id, detail) WHERE p.id = u.id AND p.status = 'approved'
		RETURNING p.id, p.amount_fen, p.bank_reference`,
		`SELECT CAST(id AS text), jsonb_build_object('status', 'paid', 'bank_reference', bank_reference,
			'run_id', CAST($3 AS bigint), 'amount_fen', amount_fen) FROM settled`,
		pq.Array(ids), pq.Array(references), runID)
}

// failRunPayouts sets the approved payouts, locked by the caller, failed with each one's bank
// reason code, and audits each in the same statement.
func failRunPayouts(ctx context.Context, tx *sqlx.Tx, runID int64, ids []int64, reasons []string) error {
	return settleRunPayouts(ctx, tx, "subsidy_payout.fail", ids, `UPDATE subsidy_payouts p SET status = 'failed',
			failure_reason = u.detail, attempts = attempts + 1, version = version + 1, updated_at = now()
		FROM unnest($1::bigint[], $2::text[]) AS u (id, detail) WHERE p.id = u.id AND p.status = 'approved'
		RETURNING p.id, p.failure_reason`,
		`SELECT CAST(id AS text), jsonb_build_object('status', 'failed', 'reason_code', failure_reason,
			'run_id', CAST($3 AS bigint)) FROM settled`,
		pq.Array(ids), pq.Array(reasons), runID)
}

// settleRunPayouts runs update (the settled payouts, as "settled") and audits each payout it
// changed under action with the record source makes of it. Every payout named must change: the
// caller holds them locked and approved.
func settleRunPayouts(ctx context.Context, tx *sqlx.Tx, action string, ids []int64, update, source string, args ...any) error {
	if len(ids) == 0 {
		return nil
	}
	n, err := audit.WriteSet(ctx, tx, action, "subsidy_payout", "settled AS ("+update+")", source, args...)
	if err != nil {
		return translate(err, "settle payouts")
	}
	if n != len(ids) {
		return errs.New(errs.Internal, "run_payouts_changed", "付款状态在结算期间发生变化，请重新导入银行回单",
			"payouts changed while the report was imported; import it again")
	}
	return nil
}

// finishRunIfSettled sets a run settled once none of its lines is pending.
func finishRunIfSettled(ctx context.Context, tx *sqlx.Tx, id int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE subsidy_payout_runs SET status = 'settled', settled_at = now(), version = version + 1
		WHERE id = $1 AND status <> 'settled'
		AND NOT EXISTS (SELECT 1 FROM subsidy_payout_run_lines WHERE run_id = $1 AND status = 'pending')`, id)
	return translate(err, "settle payout run")
}
