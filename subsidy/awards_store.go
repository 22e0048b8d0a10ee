package subsidy

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"talentd/internal/civil"
	"talentd/internal/money"
	"talentd/talent"
)

// beneficiaryTalent is what an award or nomination needs of a talent.
type beneficiaryTalent struct {
	ID           int64  `db:"id"`
	Name         string `db:"name"`
	EnterpriseID *int64 `db:"enterprise_id"`
	Status       string `db:"status"`
}

// lockTalent reads a talent with a share lock, so that the talent cannot leave the registry while
// an award or nomination of theirs is being written (the departure's hook would miss it).
func lockTalent(ctx context.Context, q sqlx.QueryerContext, id int64) (beneficiaryTalent, error) {
	var t beneficiaryTalent
	err := sqlx.GetContext(ctx, q, &t, `SELECT id, name, enterprise_id, status FROM talents WHERE id = $1 FOR SHARE`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return t, talent.ErrTalentNotFound
	}
	return t, translate(err, "talent")
}

const nominationColumns = `n.id, n.programme_id, n.talent_id, t.name AS talent_name, n.enterprise_id, n.reason, n.status,
	n.created_at`

func insertNomination(ctx context.Context, q sqlx.QueryerContext, programmeID int64, t beneficiaryTalent, reason string, by *int64) (Nomination, error) {
	var n Nomination
	err := sqlx.GetContext(ctx, q, &n, `WITH n AS (INSERT INTO subsidy_nominations
		(programme_id, talent_id, enterprise_id, reason, nominated_by_id) VALUES ($1, $2, $3, $4, $5) RETURNING *)
		SELECT `+nominationColumns+` FROM n JOIN talents t ON t.id = n.talent_id`,
		programmeID, t.ID, t.EnterpriseID, reason, by)
	return n, translate(err, "nominate")
}

// listNominations returns up to limit nominations of a programme after the id, within the scope.
func listNominations(ctx context.Context, q sqlx.QueryerContext, programmeID int64, all bool, enterpriseID int64, after int64, limit int) ([]Nomination, error) {
	var rows []Nomination
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+nominationColumns+` FROM subsidy_nominations n
		JOIN talents t ON t.id = n.talent_id
		WHERE n.programme_id = $1 AND (CAST($2 AS boolean) OR n.enterprise_id = CAST($3 AS bigint)) AND n.id > $4
		ORDER BY n.id LIMIT $5`, programmeID, all, enterpriseID, after, limit)
	return rows, translate(err, "list nominations")
}

// standingNomination reads and locks the talent's nomination for the programme, so that the
// award that selects it and any change of it queue: one that is nominated, never withdrawn and not
// yet selected. A talent without one is refused not_nominated, one selected already
// already_awarded.
func standingNomination(ctx context.Context, q sqlx.QueryerContext, programmeID, talentID int64) (int64, error) {
	var n struct {
		ID     int64            `db:"id"`
		Status NominationStatus `db:"status"`
	}
	err := sqlx.GetContext(ctx, q, &n, `SELECT id, status FROM subsidy_nominations
		WHERE programme_id = $1 AND talent_id = $2 FOR UPDATE`, programmeID, talentID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, ErrNotNominated
	case err != nil:
		return 0, translate(err, "nomination")
	case n.Status == NominationAwarded:
		return 0, ErrAlreadyAwarded
	case n.Status != NominationNominated:
		return 0, ErrNotNominated
	}
	return n.ID, nil
}

// markNominationAwarded records that the office selected a nominee; the caller holds the
// nomination's lock (standingNomination).
func markNominationAwarded(ctx context.Context, q sqlx.ExecerContext, id int64) error {
	_, err := q.ExecContext(ctx, `UPDATE subsidy_nominations SET status = 'awarded' WHERE id = $1`, id)
	return translate(err, "mark nomination")
}

// insertAward writes the award that selects a nomination.
func insertAward(ctx context.Context, q sqlx.QueryerContext, programmeID int64, t beneficiaryTalent, nominationID int64,
	amount money.Fen, by *int64) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, q, &id, `INSERT INTO subsidy_awards (programme_id, talent_id, enterprise_id, nomination_id,
		amount_fen, awarded_by_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		programmeID, t.ID, t.EnterpriseID, nominationID, amount, by)
	return id, translate(err, "award")
}

// insertInstalmentPayout writes one instalment and the pending payout that will pay it.
func insertInstalmentPayout(ctx context.Context, q sqlx.QueryerContext, programmeID, awardID int64, t beneficiaryTalent,
	seq int, due civil.Date, amount money.Fen, by *int64) (int64, error) {
	var payoutID int64
	err := sqlx.GetContext(ctx, q, &payoutID, `WITH i AS (INSERT INTO subsidy_instalments (award_id, seq, due_on, amount_fen)
		VALUES ($2, $3, $4, $5) RETURNING id)
		INSERT INTO subsidy_payouts (programme_id, beneficiary_kind, talent_id, enterprise_id, instalment_id, amount_fen,
			due_on, prepared_by_id)
		SELECT $1, 'talent', $6, $7, i.id, $5, $4, $8 FROM i RETURNING id`,
		programmeID, awardID, seq, due, amount, t.ID, t.EnterpriseID, by)
	return payoutID, translate(err, "instalment")
}

const awardColumns = `a.id, a.programme_id, a.talent_id, t.name AS talent_name, a.enterprise_id, a.amount_fen, a.created_at`

// listAwards returns up to limit awards of a programme after the id, within the scope, each with
// its instalments.
func listAwards(ctx context.Context, q sqlx.QueryerContext, programmeID int64, all bool, enterpriseID int64, after int64, limit int) ([]Award, error) {
	var rows []Award
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+awardColumns+` FROM subsidy_awards a
		JOIN talents t ON t.id = a.talent_id
		WHERE a.programme_id = $1 AND (CAST($2 AS boolean) OR a.enterprise_id = CAST($3 AS bigint)) AND a.id > $4
		ORDER BY a.id LIMIT $5`, programmeID, all, enterpriseID, after, limit)
	if err != nil {
		return nil, translate(err, "list awards")
	}
	return rows, withInstalments(ctx, q, rows)
}

// getAward reads one award with its instalments.
func getAward(ctx context.Context, q sqlx.QueryerContext, id int64) (Award, error) {
	var a Award
	err := sqlx.GetContext(ctx, q, &a, `SELECT `+awardColumns+` FROM subsidy_awards a
		JOIN talents t ON t.id = a.talent_id WHERE a.id = $1`, id)
	if err != nil {
		return a, translate(err, "award")
	}
	rows := []Award{a}
	err = withInstalments(ctx, q, rows)
	return rows[0], err
}

// withInstalments fills in the instalments of awards, with the payout of each.
func withInstalments(ctx context.Context, q sqlx.QueryerContext, awards []Award) error {
	ids := make([]int64, len(awards))
	at := make(map[int64]int, len(awards))
	for i, a := range awards {
		ids[i], at[a.ID] = a.ID, i
		awards[i].Instalments = []Instalment{}
	}
	var insts []Instalment
	err := sqlx.SelectContext(ctx, q, &insts, `SELECT i.id, i.award_id, i.seq, i.due_on, i.amount_fen,
		p.id AS payout_id, p.status AS payout_status
		FROM subsidy_instalments i JOIN subsidy_payouts p ON p.instalment_id = i.id
		WHERE i.award_id = ANY($1) ORDER BY i.award_id, i.seq`, pq.Array(ids))
	if err != nil {
		return translate(err, "instalments")
	}
	for _, in := range insts {
		k := at[in.AwardID]
		awards[k].Instalments = append(awards[k].Instalments, in)
	}
	return nil
}
