package greencard

import (
	"context"
	"encoding/base64"
	"strconv"

	"github.com/jmoiron/sqlx"

	"talentd/internal/auth"
	"talentd/internal/postgres"
	"talentd/internal/reseal"
)

// RotateKey makes a new active signing key; cards signed by the old one keep verifying until they
// are reissued or expire.
func (s *Service) RotateKey(ctx context.Context) (SigningKey, error) {
	if _, err := auth.Require(ctx, auth.RoleAdmin); err != nil {
		return SigningKey{}, err
	}
	var out SigningKey
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := lockKeys(ctx, tx); err != nil {
			return err
		}
		var err error
		out, err = s.keys.create(ctx, tx)
		return err
	})
	return out, err
}

// Keys lists every signing key, newest first.
func (s *Service) Keys(ctx context.Context) ([]SigningKey, error) {
	if _, err := auth.Require(ctx, auth.RoleAdmin); err != nil {
		return nil, err
	}
	return listKeys(ctx, s.db)
}

// JWKS lists the public keys an offline window client needs.
func (s *Service) JWKS(ctx context.Context) ([]JWK, error) {
	keys, err := listKeys(ctx, s.db) // public keys: anyone may verify offline
	if err != nil {
		return nil, err
	}
	out := make([]JWK, len(keys))
	for i, k := range keys {
		out[i] = JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(k.PublicKey),
			Kid: strconv.FormatInt(k.KeyID, 10), Use: "sig", Alg: "EdDSA", Status: k.Status}
	}
	return out, nil
}

// Reencrypt re-seals every signing key (active and retired) that an older encryption key sealed
// under the current one and returns how many it changed; `talentd reencrypt` runs it beside the
// registry's, so that removing the old encryption key never leaves a signing key nobody can open.
// A key no configured encryption key opens stops the run with a *reseal.UndecryptableError.
func (s *Service) Reencrypt(ctx context.Context) (int, error) {
	return reseal.Column{Kind: "card signing key", Table: "signing_keys", Key: "id", Column: "private_key_cipher",
		Purpose: keyPurpose, EntityType: "signing_key"}.Run(ctx, s.db, s.keys.ring)
}
