// Package idempotency makes a money-moving request safe to retry. The client sends an
// Idempotency-Key header; the first request with a key does its work and stores its answer under
// the key in the same transaction; a retry with the same key and the same content gets that answer
// again and changes nothing; the same key with other content is refused, never replayed.
//
// Keys belong to an account and an operation, so two clients (or two operations) may use the
// same key without meeting. A request that fails rolls its key back with everything else, so a
// retry after a failure does the work afresh.
package idempotency

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/errs"
	"talentd/internal/postgres"
)

// MaxKeyLength is the longest key accepted, in characters.
const MaxKeyLength = 200

// Retention is how long a key is kept (talentd serve purges older ones every hour): a retry within
// it replays the first answer; after it the same key starts a new request, which the money-moving
// steps then refuse on the state the first one left (a payout already approved, in a run or paid).
// A day covers a client's retries and a clerk's resubmission the next morning, while the stored
// answers (a payout run's holds every line) do not pile up.
const Retention = 24 * time.Hour

// Key names one idempotent request: who sent it, to which operation (its OperationID), under which
// client-chosen key.
type Key struct {
	Account   int64
	Operation string
	Key       string
}

// Stored is the answer kept for a key, returned by Begin when a request is a retry.
type Stored struct {
	Status int
	Body   json.RawMessage
}

// Decode reads the stored body into v, for a handler that replays it as its output.
func (s *Stored) Decode(v any) error {
	if len(s.Body) == 0 {
		return nil
	}
	if err := json.Unmarshal(s.Body, v); err != nil {
		return errs.Wrap(errs.Internal, "idempotency_replay", "无法重放先前的处理结果", "the stored answer cannot be replayed", err)
	}
	return nil
}

// ErrKeyReused is returned when a key comes back with a request that differs from the one it was
// first used for.
var ErrKeyReused = errs.New(errs.Invalid, "idempotency_key_reused",
	"该幂等键（Idempotency-Key）已用于内容不同的另一笔请求，请为新的请求使用新的幂等键",
	"this Idempotency-Key was already used for a different request; use a new key for a new request")

// ErrInvalidKey is returned for a key that is empty, too long or not printable ASCII.
var ErrInvalidKey = errs.New(errs.Invalid, "invalid_idempotency_key",
	"幂等键（Idempotency-Key）应为 1 至 200 个可见英文字符",
	"the Idempotency-Key must be 1 to 200 printable ASCII characters")

// ErrUnfinished is returned when a key's first request committed without storing its answer, a
// mistake of the operation's code rather than of the client.
var ErrUnfinished = errs.New(errs.Internal, "idempotency_unfinished", "先前的请求未记录处理结果",
	"the first request under this key stored no answer")

// errNoAccount guards the table's account reference: only a signed-in account has keys.
var errNoAccount = errs.New(errs.Unauthenticated, "unauthenticated", "请先登录后再提交此项请求",
	"sign in to send this request")

// ValidKey reports whether k is 1–200 printable ASCII characters.
func ValidKey(k string) bool {
	if len(k) == 0 || len(k) > MaxKeyLength {
		return false
	}
	for i := range len(k) {
		if k[i] < '!' || k[i] > '~' {
			return false
		}
	}
	return true
}

// Begin claims k inside the caller's transaction tx, before the caller does its work. It returns
// nil when the request is new: the caller then does its work and calls Finish in the same
// transaction. It returns the stored answer when the key was used before for the same fingerprint:
// the caller replays it and changes nothing. A key used before with another fingerprint is
// refused with ErrKeyReused. A second request with a key whose first request is still running waits
// for it to commit (then replays) or roll back (then proceeds as new).
func Begin(ctx context.Context, tx *sqlx.Tx, k Key, fingerprint [32]byte) (*Stored, error) {
	if !ValidKey(k.Key) {
		return nil, ErrInvalidKey
	}
	if k.Account <= 0 {
		return nil, errNoAccount
	}
	// The insert waits on a concurrent, uncommitted insert of the same key; a row that was purged
	// between the insert and the read is claimed again on the next pass.
	for range 3 {
		res, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (account_id, operation, key, fingerprint)
			VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, k.Account, k.Operation, k.Key, fingerprint[:])
		if err != nil {
			return nil, postgres.Translate(err, "claim idempotency key")
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, postgres.Translate(err, "claim idempotency key")
		} else if n == 1 {
			return nil, nil
		}
		var row struct {
			Fingerprint []byte        `db:"fingerprint"`
			Status      sql.NullInt32 `db:"status"`
			Response    []byte        `db:"response"` // NULL for an answer without a body
		}
		err = tx.GetContext(ctx, &row, `SELECT fingerprint, status, response FROM idempotency_keys
			WHERE account_id = $1 AND operation = $2 AND key = $3 FOR UPDATE`, k.Account, k.Operation, k.Key)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, postgres.Translate(err, "read idempotency key")
		}
		switch {
		case !bytes.Equal(row.Fingerprint, fingerprint[:]):
			return nil, ErrKeyReused
		case !row.Status.Valid:
			return nil, ErrUnfinished
		}
		return &Stored{Status: int(row.Status.Int32), Body: json.RawMessage(row.Response)}, nil
	}
	return nil, errs.New(errs.Conflict, "idempotency_busy", "该幂等键正在被处理，请稍后重试",
		"this Idempotency-Key is busy; try again shortly")
}

// Finish stores the answer to k's request, in the transaction Begin claimed it in, so that the
// answer and the change it describes commit together. body is encoded as JSON; nil stores none.
func Finish(ctx context.Context, tx *sqlx.Tx, k Key, status int, body any) error {
	var response []byte
	if body != nil {
		var err error
		if response, err = json.Marshal(body); err != nil {
			return errs.Wrap(errs.Internal, "idempotency_encode", "无法保存处理结果", "the answer cannot be stored", err)
		}
	}
	res, err := tx.ExecContext(ctx, `UPDATE idempotency_keys SET status = $4, response = $5, finished_at = now()
		WHERE account_id = $1 AND operation = $2 AND key = $3 AND status IS NULL`,
		k.Account, k.Operation, k.Key, status, nullJSON(response))
	if err != nil {
		return postgres.Translate(err, "store idempotent answer")
	}
	if n, err := res.RowsAffected(); err != nil {
		return postgres.Translate(err, "store idempotent answer")
	} else if n != 1 {
		return errs.New(errs.Internal, "idempotency_not_begun", "处理结果无法对应到幂等键",
			"Finish was called for a key that Begin did not claim in this transaction")
	}
	return nil
}

// nullJSON makes an empty answer SQL NULL rather than an invalid empty jsonb.
func nullJSON(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// Purge deletes the keys created before olderThan and reports how many went: a retry after that
// is treated as a new request, so olderThan should lie well beyond any client's retry window
// (time.Now().Add(-Retention)).
func Purge(ctx context.Context, db sqlx.ExecerContext, olderThan time.Time) (int64, error) {
	res, err := db.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, olderThan)
	if err != nil {
		return 0, postgres.Translate(err, "purge idempotency keys")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, postgres.Translate(err, "purge idempotency keys")
	}
	return n, nil
}
