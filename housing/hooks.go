package housing

import (
	"context"
	"strconv"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/talent"
)

// reasonLeftRegistry is shown on a talent-apartment application that ended because its talent
// left the registry.
const reasonLeftRegistry = "该人才已离开人才库，不再符合人才公寓的申请条件"

// Hooks returns the registry hooks housing listens to: when a talent leaves, their pending
// talent-apartment application ends ineligible and their lease is flagged for move-out.
func (s *Service) Hooks() talent.Hooks {
	return talent.Hooks{Left: s.talentLeft}
}

// talentLeft runs inside the registry's transaction when a talent leaves: each live
// talent-apartment application of theirs ends ineligible (an offer it holds is withdrawn and its
// unit freed), and their active talent-apartment lease is flagged for move-out on a day the office
// sets. Any error aborts the departure.
func (s *Service) talentLeft(ctx context.Context, tx sqlx.ExtContext, talentID int64) error {
	p, err := auth.MustPrincipal(ctx)
	if err != nil {
		return err
	}
	ids := []int64{}
	if err := sqlx.SelectContext(ctx, tx, &ids, `SELECT id FROM housing_applications
		WHERE talent_id = $1 AND kind = 'talent_apartment' AND status IN ('pending', 'offered') ORDER BY id`, talentID); err != nil {
		return translateApplication(err, "read talent's applications")
	}
	for _, id := range ids {
		a, err := getApplication(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := s.endLiveApplication(ctx, tx, p, a, ApplicationIneligible, reasonLeftRegistry,
			"housing_application.ineligible"); err != nil {
			return err
		}
	}
	leases, err := flagMoveOut(ctx, tx, talentID)
	if err != nil {
		return err
	}
	for _, id := range leases {
		if err := audit.Write(ctx, tx, audit.Entry{Action: "housing_lease.move_out_due", EntityType: "housing_lease",
			EntityID: strconv.FormatInt(id, 10), After: map[string]any{"move_out_due": true, "talent_id": talentID,
				"reason": "talent left the registry"}}); err != nil {
			return err
		}
	}
	return nil
}
