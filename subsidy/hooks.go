package subsidy

import (
	"context"
	"strconv"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/talent"
)

// holdLeftRegistry is the hold reason of a payout whose talent left the registry.
const holdLeftRegistry = "该人才已离开人才库，未发放的奖励暂停发放，由人才办决定"

// Hooks returns the registry hooks subsidies listen to: when a talent leaves, their unpaid award
// instalments are held for the office to decide.
func (s *Service) Hooks() talent.Hooks {
	return talent.Hooks{Left: s.talentLeft}
}

// talentLeft runs inside the registry's transaction when a talent leaves: every payout of theirs
// not yet paid (pending or approved) is set held, never paid automatically; each is audited. The
// budget stays committed until the office decides. Any error aborts the departure.
func (s *Service) talentLeft(ctx context.Context, tx sqlx.ExtContext, talentID int64) error {
	ids, err := holdTalentPayouts(ctx, tx, talentID, holdLeftRegistry)
	if err != nil {
		return err
	}
	for _, h := range ids {
		if err := audit.Write(ctx, tx, audit.Entry{Action: "subsidy_payout.hold", EntityType: "subsidy_payout",
			EntityID: strconv.FormatInt(h.ID, 10), Before: map[string]any{"status": h.Before},
			After: map[string]any{"status": PayoutHeld, "talent_id": talentID, "reason": "talent left the registry"}}); err != nil {
			return err
		}
	}
	return nil
}

// heldPayout is a payout the departure held, with the status it had.
type heldPayout struct {
	ID     int64        `db:"id"`
	Before PayoutStatus `db:"before"`
}

// holdTalentPayouts sets the talent's pending and approved payouts held, returning them.
func holdTalentPayouts(ctx context.Context, q sqlx.QueryerContext, talentID int64, reason string) ([]heldPayout, error) {
	var rows []heldPayout
	err := sqlx.SelectContext(ctx, q, &rows, `WITH h AS (SELECT id, status FROM subsidy_payouts
			WHERE talent_id = $1 AND status IN ('pending', 'approved') ORDER BY id FOR UPDATE)
		UPDATE subsidy_payouts p SET status = 'held', hold_reason = $2, version = version + 1, updated_at = now()
		FROM h WHERE p.id = h.id RETURNING p.id, h.status AS before`, talentID, reason)
	return rows, translate(err, "hold payouts")
}
