// Package reseal re-seals one encrypted column under the field-encryption ring's current key after
// a key rotation. Every slice that keeps sealed values offers a Reencrypt(ctx) (int, error) that
// runs Column.Run for each such column, and `talentd reencrypt` calls them all; once every one
// reports 0, nothing depends on the retired keys any more and they can leave the ring.
//
// It is safe while serving: values are read outside any transaction, and each batch is written
// back in one transaction with a compare-and-swap on the ciphertext, so a value that someone
// changed between the read and the write (HR correcting an identity number) is never overwritten
// with the old plaintext. Such a row is read again under a row lock and re-sealed only if it
// still needs it.
package reseal

import (
	"context"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"talentd/internal/audit"
	"talentd/internal/fieldcrypt"
	"talentd/internal/postgres"
	"talentd/internal/secrets"
)

// BatchSize is how many rows one transaction re-seals at most.
const BatchSize = 1000

// Column names a bytea column of sealed values, keyed by a bigint primary key. The names are
// constants of the slice that owns the table, never input.
type Column struct {
	// Kind is what the values are, singular, for messages: "identity number".
	Kind string
	// Table, Key and Column locate the values: Key is the bigint primary key.
	Table, Key, Column string
	// Purpose is the associated data the values were sealed with.
	Purpose string
	// EntityType is the audit entity type; each batch writes an EntityType+".reencrypt" record.
	EntityType string
}

// UndecryptableError names a sealed value that no key of the ring opens; errors.Is matches
// fieldcrypt.ErrUndecryptable too.
type UndecryptableError struct {
	Kind, Table string
	ID          int64
}

// Error says what cannot be opened and how to recover.
func (e *UndecryptableError) Error() string {
	return fmt.Sprintf("the %s in %s row %d cannot be decrypted with any configured key: add the key that sealed it "+
		"to %s (comma-separated, next to the keys already there; %s stays the new key), then run talentd reencrypt again",
		e.Kind, e.Table, e.ID, secrets.EnvOldEncryptionKeys, secrets.EnvEncryptionKey)
}

// Unwrap makes errors.Is(err, fieldcrypt.ErrUndecryptable) hold.
func (e *UndecryptableError) Unwrap() error { return fieldcrypt.ErrUndecryptable }

type row struct {
	ID     int64  `db:"id"`
	Sealed []byte `db:"sealed"`
}

// Run re-seals every value of the column that is not sealed under the ring's current key and
// returns how many it changed (0 when nothing was left to do). A value no key opens stops the run
// with an *UndecryptableError; the batches before it stay done.
func (c Column) Run(ctx context.Context, db *sqlx.DB, ring *fieldcrypt.Ring) (int, error) {
	table, key, col := pq.QuoteIdentifier(c.Table), pq.QuoteIdentifier(c.Key), pq.QuoteIdentifier(c.Column)
	selectBatch := fmt.Sprintf(`SELECT %s AS id, %s AS sealed FROM %s WHERE %s > $1 ORDER BY %s LIMIT %d`,
		key, col, table, key, key, BatchSize)
	total := 0
	var after int64
	for {
		var batch []row
		if err := sqlx.SelectContext(ctx, db, &batch, selectBatch, after); err != nil {
			return total, postgres.Translate(err, "re-encrypt: read "+c.Kind)
		}
		if len(batch) == 0 {
			return total, nil
		}
		after = batch[len(batch)-1].ID
		var stale []row
		for _, r := range batch {
			if !ring.IsCurrent(r.Sealed) {
				stale = append(stale, r)
			}
		}
		if len(stale) == 0 {
			continue
		}
		var n int
		err := postgres.InTx(ctx, db, func(tx *sqlx.Tx) error {
			var err error
			if n, err = c.writeBatch(ctx, tx, ring, stale); err != nil || n == 0 {
				return err
			}
			return audit.Write(ctx, tx, audit.Entry{Action: c.EntityType + ".reencrypt", EntityType: c.EntityType,
				EntityID: "batch", After: map[string]any{"records": n, "up_to_id": after}})
		})
		if err != nil {
			return total, err
		}
		total += n
	}
}

// writeBatch re-seals rows read earlier: a bulk compare-and-swap, then, for the rows that changed
// meanwhile, a locked re-read.
func (c Column) writeBatch(ctx context.Context, tx *sqlx.Tx, ring *fieldcrypt.Ring, stale []row) (int, error) {
	table, key, col := pq.QuoteIdentifier(c.Table), pq.QuoteIdentifier(c.Key), pq.QuoteIdentifier(c.Column)
	ids := make([]int64, len(stale))
	olds := make([][]byte, len(stale))
	news := make([][]byte, len(stale))
	for i, r := range stale {
		sealed, err := c.reseal(ring, r)
		if err != nil {
			return 0, err
		}
		ids[i], olds[i], news[i] = r.ID, r.Sealed, sealed
	}
	swap := fmt.Sprintf(`UPDATE %s t SET %s = u.new
FROM unnest($1::bigint[], $2::bytea[], $3::bytea[]) AS u(id, old, new)
WHERE t.%s = u.id AND t.%s = u.old RETURNING t.%s`, table, col, key, col, key)
	var swapped []int64
	if err := sqlx.SelectContext(ctx, tx, &swapped, swap, pq.Array(ids), pq.Array(olds), pq.Array(news)); err != nil {
		return 0, postgres.Translate(err, "re-encrypt: write "+c.Kind)
	}
	n := len(swapped)
	if n == len(stale) {
		return n, nil
	}
	done := make(map[int64]bool, n)
	for _, id := range swapped {
		done[id] = true
	}
	var missed []int64
	for _, id := range ids {
		if !done[id] {
			missed = append(missed, id)
		}
	}
	// Changed since the read: look again while holding the rows. A value written meanwhile is
	// usually sealed under the current key already; one that is not is re-sealed now, under the
	// lock, so it cannot change again before the write.
	var again []row
	if err := sqlx.SelectContext(ctx, tx, &again, fmt.Sprintf(`SELECT %s AS id, %s AS sealed FROM %s WHERE %s = ANY($1) ORDER BY %s FOR UPDATE`,
		key, col, table, key, key), pq.Array(missed)); err != nil {
		return 0, postgres.Translate(err, "re-encrypt: re-read "+c.Kind)
	}
	for _, r := range again {
		if ring.IsCurrent(r.Sealed) {
			continue
		}
		sealed, err := c.reseal(ring, r)
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %s SET %s = $2 WHERE %s = $1`, table, col, key), r.ID, sealed); err != nil {
			return 0, postgres.Translate(err, "re-encrypt: write "+c.Kind)
		}
		n++
	}
	return n, nil
}

func (c Column) reseal(ring *fieldcrypt.Ring, r row) ([]byte, error) {
	plain, err := ring.Open(r.Sealed, c.Purpose)
	if errors.Is(err, fieldcrypt.ErrUndecryptable) {
		return nil, &UndecryptableError{Kind: c.Kind, Table: c.Table, ID: r.ID}
	}
	if err != nil {
		return nil, err
	}
	return ring.Seal(plain, c.Purpose), nil
}
