package housing

import (
	"context"

	"talentd/internal/auth"
	"talentd/internal/civil"
)

// HousingStatistics returns the housing figures as of today in the district: HR sees its own
// enterprise's leases, applications and offers counted, and the district's inventory.
func (s *Service) HousingStatistics(ctx context.Context) (HousingStats, error) {
	_, scope, err := applicationReaches.Scope(ctx)
	if err != nil {
		return HousingStats{}, err
	}
	if scope.None() {
		return HousingStats{}, auth.ErrForbidden
	}
	return housingStatistics(ctx, s.db, scope, civil.InDistrict(s.opts.Now()))
}
