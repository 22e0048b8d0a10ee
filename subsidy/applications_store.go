package subsidy

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"talentd/internal/civil"
	"talentd/internal/money"
	"talentd/internal/postgres"
)

// translateApplication adds the applications' meaning to driver errors.
func translateApplication(err error, what string) error {
	if postgres.Constraint(err) == "subsidy_payouts_application_key" {
		return ErrAlreadyApproved.With(err)
	}
	return translate(err, what)
}

// localSuppliers returns which of the USCCs are registered local supplier enterprises, in one query.
func localSuppliers(ctx context.Context, q sqlx.QueryerContext, usccs []string) (map[string]bool, error) {
	local := map[string]bool{}
	if len(usccs) == 0 {
		return local, nil
	}
	var found []string
	err := sqlx.SelectContext(ctx, q, &found, `SELECT uscc FROM enterprises WHERE uscc = ANY($1) AND local_supplier`,
		pq.Array(usccs))
	for _, u := range found {
		local[u] = true
	}
	return local, translate(err, "local suppliers")
}

// enterpriseExists reports whether the enterprise is registered.
func enterpriseExists(ctx context.Context, q sqlx.QueryerContext, id int64) error {
	var ok bool
	err := sqlx.GetContext(ctx, q, &ok, `SELECT EXISTS (SELECT 1 FROM enterprises WHERE id = $1)`, id)
	if err == nil && !ok {
		return ErrEnterpriseNotFound
	}
	return translate(err, "enterprise")
}

func insertApplication(ctx context.Context, q sqlx.QueryerContext, programmeID, enterpriseID int64, d SubsidyDeclaration,
	amount money.Fen, by *int64) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, q, &id, `INSERT INTO subsidy_applications (programme_id, enterprise_id, declared,
		calculated_fen, amount_fen, submitted_by_id, calculated_by_id) VALUES ($1, $2, $3, $4, $4, $5, $5) RETURNING id`,
		programmeID, enterpriseID, d, amount, by)
	return id, translate(err, "create application")
}

// resubmitApplication replaces a returned or submitted application's figures and amount and sets
// it submitted again, clearing the earlier decision.
func resubmitApplication(ctx context.Context, q sqlx.ExecerContext, id int64, d SubsidyDeclaration, amount money.Fen, by *int64) error {
	_, err := q.ExecContext(ctx, `UPDATE subsidy_applications SET declared = $2, calculated_fen = $3, amount_fen = $3,
		adjust_reason = '', status = 'submitted', decision_reason = '', decided_by_id = NULL, decided_at = NULL,
		submitted_by_id = $4, calculated_by_id = $4, version = version + 1, updated_at = now() WHERE id = $1`,
		id, d, amount, by)
	return translate(err, "correct application")
}

// replaceWorking writes an application's working lines, replacing any earlier ones.
func replaceWorking(ctx context.Context, q sqlx.ExecerContext, id int64, lines []WorkingLine) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM subsidy_application_lines WHERE application_id = $1`, id); err != nil {
		return translate(err, "working")
	}
	return appendWorking(ctx, q, id, 1, lines)
}

// appendWorking writes working lines numbered from seq on.
func appendWorking(ctx context.Context, q sqlx.ExecerContext, id int64, seq int, lines []WorkingLine) error {
	for i, l := range lines {
		var capFen *int64
		if l.CapFen != nil {
			c := int64(*l.CapFen)
			capFen = &c
		}
		_, err := q.ExecContext(ctx, `INSERT INTO subsidy_application_lines (application_id, seq, rule, label_zh, label_en,
			basis_fen, rate_bp, cap_fen, amount_fen, explanation, explanation_en) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			id, seq+i, l.Code, l.LabelZh, l.LabelEn, l.BasisFen, l.RateBP, capFen, l.AmountFen, l.Note, l.NoteEn)
		if err != nil {
			return translate(err, "working line")
		}
	}
	return nil
}

// replaceAttachments writes an application's attachments' metadata, replacing any earlier ones.
func replaceAttachments(ctx context.Context, q sqlx.ExecerContext, id int64, files []SubsidyAttachmentInput, by *int64) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM subsidy_attachments WHERE application_id = $1`, id); err != nil {
		return translate(err, "attachments")
	}
	for _, f := range files {
		_, err := q.ExecContext(ctx, `INSERT INTO subsidy_attachments (application_id, file_name, sha256, size_bytes, added_by_id)
			VALUES ($1, $2, $3, $4, $5)`, id, f.FileName, f.SHA256, f.SizeBytes, by)
		if err != nil {
			return translate(err, "attachment")
		}
	}
	return nil
}

const applicationColumns = `a.id, a.programme_id, a.enterprise_id, e.name AS enterprise_name, a.declared, a.calculated_fen,
	a.amount_fen, a.adjust_reason, a.status, a.decision_reason, a.decided_at, p.id AS payout_id, a.version, a.created_at,
	a.updated_at`

const applicationFrom = ` FROM subsidy_applications a JOIN enterprises e ON e.id = a.enterprise_id
	LEFT JOIN subsidy_payouts p ON p.application_id = a.id`

// getApplication reads one application within the scope (all, or the enterprise's own); forUpdate
// locks its row, so that decisions on it queue.
func getApplication(ctx context.Context, q sqlx.QueryerContext, id int64, all bool, enterpriseID int64, forUpdate bool) (SubsidyApplication, error) {
	query := `SELECT ` + applicationColumns + applicationFrom +
		` WHERE a.id = $1 AND (CAST($2 AS boolean) OR a.enterprise_id = CAST($3 AS bigint))`
	if forUpdate {
		query += ` FOR UPDATE OF a`
	}
	var a SubsidyApplication
	err := sqlx.GetContext(ctx, q, &a, query, id, all, enterpriseID)
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrApplicationNotFound
	}
	if err != nil {
		return a, translate(err, "application")
	}
	rows := []SubsidyApplication{a}
	err = withWorking(ctx, q, rows)
	return rows[0], err
}

// listApplications returns up to limit applications after the id, within the scope, each with its
// working and attachments.
func listApplications(ctx context.Context, q sqlx.QueryerContext, all bool, enterpriseID int64, after int64, limit int) ([]SubsidyApplication, error) {
	var rows []SubsidyApplication
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+applicationColumns+applicationFrom+`
		WHERE (CAST($1 AS boolean) OR a.enterprise_id = CAST($2 AS bigint)) AND a.id > $3 ORDER BY a.id LIMIT $4`,
		all, enterpriseID, after, limit)
	if err != nil {
		return nil, translate(err, "list applications")
	}
	return rows, withWorking(ctx, q, rows)
}

// workingRow is a stored working line with the application it belongs to.
type workingRow struct {
	ApplicationID int64      `db:"application_id"`
	Rule          string     `db:"rule"`
	LabelZh       string     `db:"label_zh"`
	LabelEn       string     `db:"label_en"`
	BasisFen      money.Fen  `db:"basis_fen"`
	RateBP        int64      `db:"rate_bp"`
	CapFen        *money.Fen `db:"cap_fen"`
	AmountFen     money.Fen  `db:"amount_fen"`
	Note          string     `db:"explanation"`
	NoteEn        string     `db:"explanation_en"`
}

// withWorking fills in the applications' working lines and attachments.
func withWorking(ctx context.Context, q sqlx.QueryerContext, apps []SubsidyApplication) error {
	ids := make([]int64, len(apps))
	at := make(map[int64]int, len(apps))
	for i, a := range apps {
		ids[i], at[a.ID] = a.ID, i
		apps[i].Working, apps[i].Attachments = []WorkingLine{}, []SubsidyAttachment{}
	}
	var lines []workingRow
	err := sqlx.SelectContext(ctx, q, &lines, `SELECT application_id, rule, label_zh, label_en, basis_fen, rate_bp, cap_fen,
		amount_fen, explanation, explanation_en FROM subsidy_application_lines WHERE application_id = ANY($1)
		ORDER BY application_id, seq`, pq.Array(ids))
	if err != nil {
		return translate(err, "working")
	}
	for _, l := range lines {
		k := at[l.ApplicationID]
		apps[k].Working = append(apps[k].Working, WorkingLine{Code: l.Rule, LabelZh: l.LabelZh, LabelEn: l.LabelEn,
			BasisFen: l.BasisFen, RateBP: l.RateBP, CapFen: l.CapFen, AmountFen: l.AmountFen, Note: l.Note, NoteEn: l.NoteEn})
	}
	var files []SubsidyAttachment
	err = sqlx.SelectContext(ctx, q, &files, `SELECT id, application_id, file_name, sha256, size_bytes FROM subsidy_attachments
		WHERE application_id = ANY($1) ORDER BY application_id, id`, pq.Array(ids))
	if err != nil {
		return translate(err, "attachments")
	}
	for _, f := range files {
		k := at[f.ApplicationID]
		apps[k].Attachments = append(apps[k].Attachments, f)
	}
	return nil
}

// decideApplication records the office's decision on an application.
func decideApplication(ctx context.Context, q sqlx.ExecerContext, id int64, status SubsidyApplicationStatus, amount money.Fen,
	adjustReason, reason string, by *int64) error {
	_, err := q.ExecContext(ctx, `UPDATE subsidy_applications SET status = $2, amount_fen = $3, adjust_reason = $4,
		decision_reason = $5, decided_by_id = $6, decided_at = now(), version = version + 1, updated_at = now() WHERE id = $1`,
		id, status, amount, adjustReason, reason, by)
	return translate(err, "decide application")
}

// insertApplicationPayout schedules the pending payout of an approved application to its
// enterprise, due today in the district; by prepared it (so another person approves it).
func insertApplicationPayout(ctx context.Context, q sqlx.QueryerContext, a SubsidyApplication, amount money.Fen, by *int64) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, q, &id, `INSERT INTO subsidy_payouts (programme_id, beneficiary_kind, enterprise_id,
		application_id, amount_fen, due_on, prepared_by_id) VALUES ($1, 'enterprise', $2, $3, $4, `+civil.SQLToday+`, $5)
		RETURNING id`, a.ProgrammeID, a.EnterpriseID, a.ID, amount, by)
	return id, translateApplication(err, "application payout")
}
