package subsidy

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

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

// runPayouts reads the payouts of a run's lines, keyed by id.
func runPayouts(ctx context.Context, q sqlx.QueryerContext, runID int64) (map[int64]runPayout, error) {
	var rows []runPayout
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+runPayoutColumns+` FROM subsidy_payouts p
		JOIN subsidy_programmes g ON g.id = p.programme_id
		WHERE p.id IN (SELECT payout_id FROM subsidy_payout_run_lines WHERE run_id = $1)`, runID)
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

func insertRunLine(ctx context.Context, tx *sqlx.Tx, runID, payoutID int64, endToEnd string, amount money.Fen) (RunLine, error) {
	var l RunLine
	err := tx.GetContext(ctx, &l, `INSERT INTO subsidy_payout_run_lines (run_id, payout_id, end_to_end_id, amount_fen)
		VALUES ($1, $2, $3, $4) RETURNING `+runLineColumns, runID, payoutID, endToEnd, amount)
	if err != nil && postgres.Constraint(err) == "subsidy_payout_run_lines_live" {
		return l, ErrRunPayoutInRun.With(err)
	}
	return l, translate(err, "add run line")
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

// settleRunLine records a report's outcome for a pending line.
func settleRunLine(ctx context.Context, tx *sqlx.Tx, lineID int64, status RunLineStatus, reason string) error {
	_, err := tx.ExecContext(ctx, `UPDATE subsidy_payout_run_lines SET status = $2, reason_code = $3, settled_at = now()
		WHERE id = $1 AND status = 'pending'`, lineID, status, reason)
	return translate(err, "settle run line")
}

// payRunPayout sets an approved payout paid with the bank's reference.
func payRunPayout(ctx context.Context, tx *sqlx.Tx, id int64, reference string) error {
	_, err := tx.ExecContext(ctx, `UPDATE subsidy_payouts SET status = 'paid', bank_reference = $2, paid_at = now(),
		attempts = attempts + 1, version = version + 1, updated_at = now() WHERE id = $1 AND status = 'approved'`, id, reference)
	return translate(err, "pay payout")
}

// failRunPayout sets an approved payout failed with the bank's reason code.
func failRunPayout(ctx context.Context, tx *sqlx.Tx, id int64, reason string) error {
	_, err := tx.ExecContext(ctx, `UPDATE subsidy_payouts SET status = 'failed', failure_reason = $2,
		attempts = attempts + 1, version = version + 1, updated_at = now() WHERE id = $1 AND status = 'approved'`, id, reason)
	return translate(err, "fail payout")
}

// finishRunIfSettled sets a run settled once none of its lines is pending.
func finishRunIfSettled(ctx context.Context, tx *sqlx.Tx, id int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE subsidy_payout_runs SET status = 'settled', settled_at = now(), version = version + 1
		WHERE id = $1 AND status <> 'settled'
		AND NOT EXISTS (SELECT 1 FROM subsidy_payout_run_lines WHERE run_id = $1 AND status = 'pending')`, id)
	return translate(err, "settle payout run")
}
