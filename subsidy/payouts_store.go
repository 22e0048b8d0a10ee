package subsidy

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"

	"talentd/internal/postgres"
)

// payoutFrom joins a payout to its programme and beneficiary; the columns are named for sqlx's
// nested structs (programme.*, beneficiary.*).
const payoutFrom = ` FROM subsidy_payouts p
	JOIN subsidy_programmes g ON g.id = p.programme_id
	LEFT JOIN talents t ON t.id = p.talent_id
	LEFT JOIN enterprises e ON e.id = p.enterprise_id`

const payoutColumns = `p.id, g.id AS "programme.id", g.code AS "programme.code", g.name AS "programme.name",
	p.beneficiary_kind AS "beneficiary.kind",
	CASE WHEN p.beneficiary_kind = 'talent' THEN p.talent_id ELSE p.enterprise_id END AS "beneficiary.id",
	CASE WHEN p.beneficiary_kind = 'talent' THEN t.name ELSE e.name END AS "beneficiary.name",
	p.enterprise_id, p.instalment_id, p.application_id, p.amount_fen, p.due_on, p.status,
	p.bank_account_cipher IS NOT NULL AS has_bank_account, p.bank_account_masked, p.account_holder, p.bank_name,
	p.prepared_by_id, p.approved_by_id, p.approved_at, p.paid_at, p.bank_reference, p.failure_reason,
	p.hold_reason, p.cancel_reason, p.attempts, p.version, p.created_at, p.updated_at`

// getPayout reads one payout within the scope (all, or the enterprise's); forUpdate locks its row.
func getPayout(ctx context.Context, q sqlx.QueryerContext, id int64, all bool, enterpriseID int64, forUpdate bool) (Payout, error) {
	query := `SELECT ` + payoutColumns + payoutFrom + `
		WHERE p.id = $1 AND (CAST($2 AS boolean) OR p.enterprise_id = CAST($3 AS bigint))`
	if forUpdate {
		query += ` FOR UPDATE OF p`
	}
	var p Payout
	err := sqlx.GetContext(ctx, q, &p, query, id, all, enterpriseID)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrPayoutNotFound
	}
	return p, translate(err, "payout")
}

// listPayouts returns up to limit payouts after the id, filtered, within the scope.
func listPayouts(ctx context.Context, q sqlx.QueryerContext, f PayoutFilter, all bool, enterpriseID int64, after int64, limit int) ([]Payout, error) {
	var rows []Payout
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+payoutColumns+payoutFrom+`
		WHERE p.id > $1 AND (CAST($2 AS bigint) = 0 OR p.programme_id = CAST($2 AS bigint)) AND ($3 = '' OR p.status = $3)
		  AND (CAST($4 AS boolean) OR p.enterprise_id = CAST($5 AS bigint))
		ORDER BY p.id LIMIT $6`, after, f.ProgrammeID, f.Status, all, enterpriseID, limit)
	return rows, translate(err, "list payouts")
}

// setBankAccount stores a payout's sealed account number with its masked form, holder and bank.
func setBankAccount(ctx context.Context, q sqlx.ExecerContext, id int64, sealed []byte, masked, holder, bank string) error {
	_, err := q.ExecContext(ctx, `UPDATE subsidy_payouts SET bank_account_cipher = $2, bank_account_masked = $3,
		account_holder = $4, bank_name = $5, version = version + 1, updated_at = now() WHERE id = $1`,
		id, sealed, masked, holder, bank)
	return translate(err, "set bank account")
}

// payoutChange is one step of a payout's life: the new status and what the step records. Every
// column is written, so a step states what it keeps as well as what it changes.
type payoutChange struct {
	Status        PayoutStatus
	ApprovedByID  *int64
	Approve       bool // set approved_by_id and approved_at
	Paid          bool // set paid_at
	BankReference *string
	FailureReason string
	CancelReason  string
	Attempt       bool // count a payment attempt
}

// changePayout applies a step to a payout whose row the caller holds locked.
func changePayout(ctx context.Context, q sqlx.ExecerContext, id int64, c payoutChange) error {
	_, err := q.ExecContext(ctx, `UPDATE subsidy_payouts SET status = $2,
		approved_by_id = CASE WHEN $3 THEN $4 ELSE approved_by_id END,
		approved_at = CASE WHEN $3 THEN now() ELSE approved_at END,
		paid_at = CASE WHEN $5 THEN now() ELSE paid_at END,
		bank_reference = COALESCE($6, bank_reference), failure_reason = $7, cancel_reason = $8,
		attempts = attempts + CASE WHEN $9 THEN 1 ELSE 0 END,
		version = version + 1, updated_at = now() WHERE id = $1`,
		id, c.Status, c.Approve, c.ApprovedByID, c.Paid, c.BankReference, c.FailureReason, c.CancelReason, c.Attempt)
	if postgres.Constraint(err) == "subsidy_payouts_four_eyes" {
		return ErrFourEyes.With(err)
	}
	return translate(err, "change payout")
}

// payoutInPendingRun reports whether the payout waits in a run line the bank has not settled.
func payoutInPendingRun(ctx context.Context, q sqlx.QueryerContext, id int64) (bool, error) {
	var waits bool
	err := sqlx.GetContext(ctx, q, &waits, `SELECT EXISTS (SELECT 1 FROM subsidy_payout_run_lines
		WHERE payout_id = $1 AND status = 'pending')`, id)
	return waits, translate(err, "payout in run")
}
