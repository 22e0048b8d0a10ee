package greencard

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/cardtoken"
	"talentd/internal/fieldcrypt"
	"talentd/internal/postgres"
)

// keyring caches decrypted signing keys and public keys; keys never change once created, so the
// cache only ever grows (a few per year of rotations).
type keyring struct {
	ring    *fieldcrypt.Ring
	mu      sync.RWMutex
	public  map[uint32]ed25519.PublicKey
	private map[uint32]ed25519.PrivateKey
}

func newKeyring(ring *fieldcrypt.Ring) *keyring {
	return &keyring{ring: ring, public: map[uint32]ed25519.PublicKey{}, private: map[uint32]ed25519.PrivateKey{}}
}

const selectPublicKey = `SELECT public_key FROM signing_keys WHERE key_id = $1`

// publicKey returns the public key with the id, from the cache or the database.
func (k *keyring) publicKey(ctx context.Context, q sqlx.QueryerContext, id uint32) (ed25519.PublicKey, bool, error) {
	k.mu.RLock()
	pub, ok := k.public[id]
	k.mu.RUnlock()
	if ok {
		return pub, true, nil
	}
	var raw []byte
	err := sqlx.GetContext(ctx, q, &raw, selectPublicKey, int64(id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, postgres.Translate(err, "signing key")
	}
	k.mu.Lock()
	k.public[id] = raw
	k.mu.Unlock()
	return raw, true, nil
}

const selectActiveKey = `SELECT key_id, private_key_cipher FROM signing_keys WHERE status = 'active'`

// signer returns the active key's id and private key, creating the first key when there is none.
func (k *keyring) signer(ctx context.Context, q sqlx.ExtContext) (uint32, ed25519.PrivateKey, error) {
	var row struct {
		KeyID  int64  `db:"key_id"`
		Cipher []byte `db:"private_key_cipher"`
	}
	err := sqlx.GetContext(ctx, q, &row, selectActiveKey)
	if errors.Is(err, sql.ErrNoRows) {
		// The first key: two transactions issuing the first cards at once must not both make one.
		if _, err := q.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7422)`); err != nil {
			return 0, nil, postgres.Translate(err, "signing key")
		}
		err = sqlx.GetContext(ctx, q, &row, selectActiveKey)
		if errors.Is(err, sql.ErrNoRows) {
			if _, err := k.create(ctx, q); err != nil {
				return 0, nil, err
			}
			err = sqlx.GetContext(ctx, q, &row, selectActiveKey)
		}
	}
	if err != nil {
		return 0, nil, postgres.Translate(err, "active signing key")
	}
	id := uint32(row.KeyID)
	k.mu.RLock()
	priv, ok := k.private[id]
	k.mu.RUnlock()
	if ok {
		return id, priv, nil
	}
	seed, err := k.ring.Open(row.Cipher, keyPurpose)
	if err != nil {
		// Issuing stops until the operator puts the key back: say so in the log, not just "cannot decrypt".
		return 0, nil, fmt.Errorf("greencard: the active signing key %d cannot be opened: the encryption key that sealed it "+
			"is not configured (was TALENTD_ENCRYPTION_OLD_KEYS emptied before `talentd reencrypt` reported 0?): %w", id, err)
	}
	raw, err := base64.StdEncoding.DecodeString(seed)
	if err != nil || len(raw) != ed25519.SeedSize {
		return 0, nil, errors.New("greencard: stored signing key is corrupt")
	}
	priv = ed25519.NewKeyFromSeed(raw)
	k.mu.Lock()
	k.private[id] = priv
	k.public[id] = priv.Public().(ed25519.PublicKey)
	k.mu.Unlock()
	return id, priv, nil
}

const (
	retireActiveKey = `UPDATE signing_keys SET status = 'retired', retired_at = now() WHERE status = 'active'`
	insertKey       = `
INSERT INTO signing_keys (key_id, public_key, private_key_cipher, status) VALUES ($1, $2, $3, 'active')
RETURNING key_id, public_key, status, created_at, retired_at`
)

// create makes a new active key, retiring the current one (which still verifies its cards).
func (k *keyring) create(ctx context.Context, q sqlx.ExtContext) (SigningKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return SigningKey{}, err
	}
	if _, err := q.ExecContext(ctx, retireActiveKey); err != nil {
		return SigningKey{}, postgres.Translate(err, "retire signing key")
	}
	sealed := k.ring.Seal(base64.StdEncoding.EncodeToString(priv.Seed()), keyPurpose)
	var out SigningKey
	if err := sqlx.GetContext(ctx, q, &out, insertKey, int64(cardtoken.KeyIDOf(pub)), []byte(pub), sealed); err != nil {
		return SigningKey{}, postgres.Translate(err, "create signing key")
	}
	return out, audit.Write(ctx, q, audit.Entry{Action: "signing_key.rotate", EntityType: "signing_key",
		EntityID: strconv.FormatInt(out.KeyID, 10), After: out})
}

const selectKeys = `SELECT key_id, public_key, status, created_at, retired_at FROM signing_keys ORDER BY created_at DESC, id DESC`

func listKeys(ctx context.Context, q sqlx.QueryerContext) ([]SigningKey, error) {
	out := []SigningKey{}
	err := sqlx.SelectContext(ctx, q, &out, selectKeys)
	return out, postgres.Translate(err, "list signing keys")
}

// lockKeys makes key rotations wait for each other.
func lockKeys(ctx context.Context, q sqlx.ExecerContext) error {
	_, err := q.ExecContext(ctx, `LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE`)
	return postgres.Translate(err, "lock signing keys")
}
