package housing

import (
	"context"

	"talentd/internal/reseal"
	"talentd/talent"
)

// Reencrypt re-seals under the current key every housing value an older key sealed: applicants'
// identity numbers (sealed as the registry seals its own) and the seeds of rounds not yet
// committed. It returns how many it changed; `talentd reencrypt` runs it with the other slices'.
func (s *Service) Reencrypt(ctx context.Context) (int, error) {
	total := 0
	for _, c := range []reseal.Column{
		{Kind: "applicant identity number", Table: "housing_applications", Key: "id", Column: "id_number_cipher",
			Purpose: talent.IDNumberPurpose, EntityType: "housing_application"},
		{Kind: "round seed", Table: "housing_rounds", Key: "id", Column: "seed_cipher",
			Purpose: seedPurpose, EntityType: "housing_round"},
	} {
		n, err := c.Run(ctx, s.db, s.ring)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}
