package greencard

import (
	"context"

	"github.com/jmoiron/sqlx"

	"talentd/internal/auth"
	"talentd/internal/postgres"
)

// A version's printing is asked for when it is issued, dated like its issue.
const insertPrintRequest = `
INSERT INTO card_prints (card_id, version, requested_at)
SELECT card_id, version, issued_at FROM card_versions WHERE card_id = $1 AND version = $2`

// requestPrint puts a newly issued card version in the print queue.
func requestPrint(ctx context.Context, q sqlx.ExecerContext, cardID int64, version int) error {
	_, err := q.ExecContext(ctx, insertPrintRequest, cardID, version)
	return postgres.Translate(err, "request card print")
}

const (
	// One print step of the version $2 of card $1, by the account $3 named $4, taken only from the
	// step before it.
	updatePrinted = `
UPDATE card_prints SET status = 'printed', printed_at = now(), printed_by_id = $3, printed_by = $4
WHERE card_id = $1 AND version = $2 AND status = 'requested'`
	updateHandedOver = `
UPDATE card_prints SET status = 'handed_over', handed_over_at = now(), handed_over_by_id = $3, handed_over_by = $4
WHERE card_id = $1 AND version = $2 AND status = 'printed'`
)

// movePrint takes the card's current version one print step on (to printed or handed over), as
// the principal; moved is false when the version was not at the step before.
func movePrint(ctx context.Context, q sqlx.ExecerContext, c Card, to string, by auth.Principal) (moved bool, err error) {
	query := updatePrinted
	if to == PrintHandedOver {
		query = updateHandedOver
	}
	var account *int64
	if by.AccountID != 0 {
		account = &by.AccountID
	}
	res, err := q.ExecContext(ctx, query, c.ID, c.CurrentVersion, account, by.Username)
	if err != nil {
		return false, postgres.Translate(err, "card print")
	}
	n, err := res.RowsAffected()
	return n == 1, postgres.Translate(err, "card print")
}

// The queue of one print status, in the order the cards were made; a revoked card is not printed,
// so it leaves the queue of those waiting.
var selectPrintQueue = `SELECT ` + cardColumns + `, t.name` + cardFrom + `
WHERE COALESCE(p.status, 'requested') = $1 AND ($1 <> 'requested' OR c.status <> 'revoked') AND c.id > $2
ORDER BY c.id LIMIT $3`

// printRow is a card of the queue with its holder's name.
type printRow struct {
	Card
	Name string `db:"name"`
}

// listPrintQueue returns up to limit cards whose current version has the print status, after the
// card id.
func listPrintQueue(ctx context.Context, q sqlx.QueryerContext, status string, after int64, limit int) ([]printRow, error) {
	var rows []printRow
	err := sqlx.SelectContext(ctx, q, &rows, selectPrintQueue, status, after, limit)
	return rows, postgres.Translate(err, "print queue")
}
