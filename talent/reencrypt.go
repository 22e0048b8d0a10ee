package talent

import (
	"context"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/postgres"
)

// Reencrypt re-seals every identity number that an older key sealed under the current key, a
// batch per transaction, and returns how many it changed. Run it after rotating the encryption
// key; once it reports 0, the old keys can leave the ring. A value no configured key opens stops
// the run with an error (its key is missing from TALENTD_ENCRYPTION_OLD_KEYS).
func (s *Service) Reencrypt(ctx context.Context) (int, error) {
	total := 0
	var after int64
	for {
		type row struct {
			ID     int64  `db:"id"`
			Cipher []byte `db:"id_number_cipher"`
		}
		var batch []row
		if err := sqlx.SelectContext(ctx, s.db, &batch,
			`SELECT id, id_number_cipher FROM talents WHERE id > $1 ORDER BY id LIMIT 1000`, after); err != nil {
			return total, postgres.Translate(err, "reencrypt")
		}
		if len(batch) == 0 {
			return total, nil
		}
		after = batch[len(batch)-1].ID
		changed := 0
		err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
			for _, r := range batch {
				if s.ring.IsCurrent(r.Cipher) {
					continue
				}
				plain, err := s.ring.Open(r.Cipher, idPurpose)
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE talents SET id_number_cipher = $2 WHERE id = $1`,
					r.ID, s.ring.Seal(plain, idPurpose)); err != nil {
					return postgres.Translate(err, "reencrypt")
				}
				changed++
			}
			if changed == 0 {
				return nil
			}
			return audit.Write(ctx, tx, audit.Entry{Action: "talent.reencrypt", EntityType: "talent",
				EntityID: "batch", After: map[string]any{"records": changed, "up_to_id": after}})
		})
		if err != nil {
			return total, err
		}
		total += changed
	}
}
