package subsidy

import (
	"context"

	"github.com/jmoiron/sqlx"

	"talentd/internal/money"
)

// reserve commits amount of a programme's budget inside tx: it locks the programme's row, so that
// concurrent reservations queue, and refuses with budget_exceeded (stating the figures) when the
// committed total would pass the budget. The lock is held until tx ends, so the payouts written
// after it in tx are counted before any other reservation reads the total.
func reserve(ctx context.Context, tx *sqlx.Tx, programmeID int64, amount money.Fen) (Programme, error) {
	p, err := getProgramme(ctx, tx, programmeID, false, true)
	if err != nil {
		return p, err
	}
	if amount > p.BudgetFen-p.CommittedFen {
		return p, budgetExceeded(p, amount)
	}
	if err := addCommitted(ctx, tx, programmeID, int64(amount), 0); err != nil {
		return p, err
	}
	p.CommittedFen += amount
	return p.remaining(), nil
}
