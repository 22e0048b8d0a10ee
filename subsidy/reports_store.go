package subsidy

import (
	"context"
	"slices"

	"github.com/jmoiron/sqlx"

	"talentd/internal/money"
)

// ledgerWhere keeps the payouts of payoutFrom within the scope ($1 sees all, $2 the enterprise
// otherwise) and the filter ($3 programme, $4 the programme's year, $5 status, $6 beneficiary
// kind, $7 the enterprise the payout belongs to). ledgerArgs gives them in this order.
const ledgerWhere = ` WHERE (CAST($1 AS boolean) OR p.enterprise_id = CAST($2 AS bigint))
	AND (CAST($3 AS bigint) = 0 OR p.programme_id = CAST($3 AS bigint))
	AND (CAST($4 AS integer) = 0 OR g.year = CAST($4 AS integer))
	AND (CAST($5 AS text) = '' OR p.status = CAST($5 AS text))
	AND (CAST($6 AS text) = '' OR p.beneficiary_kind = CAST($6 AS text))
	AND (CAST($7 AS bigint) = 0 OR p.enterprise_id = CAST($7 AS bigint))`

// ledgerArgs are the arguments of ledgerWhere.
func ledgerArgs(f LedgerFilter, all bool, enterpriseID int64) []any {
	return []any{all, enterpriseID, f.ProgrammeID, f.Year, string(f.Status), string(f.BeneficiaryKind), f.EnterpriseID}
}

// selectPayoutReport groups the ledger by the keys switched on ($8 programme, $9 year, $10
// beneficiary, $11 status; a key switched off is NULL throughout, so it does not split the groups)
// and adds the grand total as one more row, in the same statement and so the same snapshot. A
// programme's budget figures are read where $12 (the reader sees every programme) or the
// programme is open.
const selectPayoutReport = `
SELECT GROUPING(k.programme_id) = 1 AS total, k.programme_id, k.programme_code, k.programme_name,
	k.budget_fen, k.committed_fen, k.paid_fen, k.year, k.beneficiary_kind, k.beneficiary_id, k.beneficiary_name,
	k.status, count(*) AS count, CAST(COALESCE(sum(k.amount_fen), 0) AS bigint) AS amount_fen
FROM (SELECT CASE WHEN $8 THEN g.id END AS programme_id, CASE WHEN $8 THEN g.code END AS programme_code,
	CASE WHEN $8 THEN g.name END AS programme_name,
	CASE WHEN $8 AND ($12 OR g.status = 'open') THEN g.budget_fen END AS budget_fen,
	CASE WHEN $8 AND ($12 OR g.status = 'open') THEN g.committed_fen END AS committed_fen,
	CASE WHEN $8 AND ($12 OR g.status = 'open') THEN g.paid_fen END AS paid_fen,
	CASE WHEN $9 THEN g.year END AS year,
	CASE WHEN $10 THEN p.beneficiary_kind END AS beneficiary_kind,
	CASE WHEN $10 THEN CASE WHEN p.beneficiary_kind = 'talent' THEN p.talent_id ELSE p.enterprise_id END END AS beneficiary_id,
	CASE WHEN $10 THEN CASE WHEN p.beneficiary_kind = 'talent' THEN t.name ELSE e.name END END AS beneficiary_name,
	CASE WHEN $11 THEN p.status END AS status, p.amount_fen` + payoutFrom + ledgerWhere + `) k
GROUP BY GROUPING SETS ((k.programme_id, k.programme_code, k.programme_name, k.budget_fen, k.committed_fen,
	k.paid_fen, k.year, k.beneficiary_kind, k.beneficiary_id, k.beneficiary_name, k.status), ())
ORDER BY total`

// reportLine is one row of selectPayoutReport: a group, or the total; the keys not grouped by are nil.
type reportLine struct {
	Total           bool       `db:"total"`
	ProgrammeID     *int64     `db:"programme_id"`
	ProgrammeCode   *string    `db:"programme_code"`
	ProgrammeName   *string    `db:"programme_name"`
	BudgetFen       *money.Fen `db:"budget_fen"`
	CommittedFen    *money.Fen `db:"committed_fen"`
	PaidFen         *money.Fen `db:"paid_fen"`
	Year            *int       `db:"year"`
	BeneficiaryKind *string    `db:"beneficiary_kind"`
	BeneficiaryID   *int64     `db:"beneficiary_id"`
	BeneficiaryName *string    `db:"beneficiary_name"`
	Status          *string    `db:"status"`
	Count           int        `db:"count"`
	AmountFen       money.Fen  `db:"amount_fen"`
}

// payoutReport groups the payouts within the scope and the filter by the groups; the last line
// is the total. seesBudgets says whether the reader sees every programme's budget figures.
func payoutReport(ctx context.Context, q sqlx.QueryerContext, f LedgerFilter, all bool, enterpriseID int64,
	groups []ReportGroup, seesBudgets bool) ([]reportLine, error) {
	args := append(ledgerArgs(f, all, enterpriseID), slices.Contains(groups, GroupProgramme), slices.Contains(groups, GroupYear),
		slices.Contains(groups, GroupBeneficiary), slices.Contains(groups, GroupStatus), seesBudgets)
	var lines []reportLine
	err := sqlx.SelectContext(ctx, q, &lines, selectPayoutReport, args...)
	return lines, translate(err, "payout report")
}

// ledgerEntry is a payout with its programme's year, as the export writes it.
type ledgerEntry struct {
	Payout
	Year int `db:"programme_year"`
}

// selectLedgerPage reads the payouts within the scope and the filter after the id $8, up to $9.
const selectLedgerPage = `SELECT ` + payoutColumns + `, g.year AS programme_year` + payoutFrom + ledgerWhere + `
	AND p.id > $8 ORDER BY p.id LIMIT $9`

// ledgerPage returns up to limit payouts after the id, within the scope and the filter, in id order.
func ledgerPage(ctx context.Context, q sqlx.QueryerContext, f LedgerFilter, all bool, enterpriseID int64,
	after int64, limit int) ([]ledgerEntry, error) {
	var rows []ledgerEntry
	err := sqlx.SelectContext(ctx, q, &rows, selectLedgerPage, append(ledgerArgs(f, all, enterpriseID), after, limit)...)
	return rows, translate(err, "payout export")
}
