package talent

import (
	"context"

	"talentd/internal/reseal"
)

// Reencrypt re-seals every identity number that an older key sealed under the current key, a
// batch per transaction, and returns how many it changed. Run it (through `talentd reencrypt`)
// after rotating the encryption key; once it reports 0, the old keys can leave the ring. It is
// safe while serving: a number changed meanwhile is never overwritten with the one read before.
// A value no configured key opens stops the run with a *reseal.UndecryptableError naming the row.
func (s *Service) Reencrypt(ctx context.Context) (int, error) {
	return reseal.Column{Kind: "identity number", Table: "talents", Key: "id", Column: "id_number_cipher",
		Purpose: idPurpose, EntityType: "talent"}.Run(ctx, s.db, s.ring)
}
