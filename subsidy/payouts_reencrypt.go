package subsidy

import (
	"context"

	"talentd/internal/reseal"
)

// Reencrypt re-seals under the current key every payout bank account number an older key sealed
// and returns how many it changed; `talentd reencrypt` runs it with the other slices'. It walks the
// view of the payouts that have an account, since a payout without one has nothing to re-seal.
func (s *Service) Reencrypt(ctx context.Context) (int, error) {
	return reseal.Column{Kind: "payout bank account number", Table: "subsidy_payout_bank_accounts", Key: "id",
		Column: "bank_account_cipher", Purpose: bankAccountPurpose, EntityType: "subsidy_payout"}.Run(ctx, s.db, s.ring)
}
