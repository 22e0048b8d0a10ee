package greencard

import "time"

// Signing key statuses: the active key signs new cards; a retired one still verifies its cards.
const (
	KeyActive  = "active"
	KeyRetired = "retired"
)

// keyPurpose binds sealed signing keys to their column.
const keyPurpose = "greencard.signing_key"

// SigningKey is a card-signing key as the API lists it (never the private half).
type SigningKey struct {
	KeyID     int64      `db:"key_id" json:"key_id"`
	PublicKey []byte     `db:"public_key" json:"-"`
	Status    KeyStatus  `db:"status" json:"status"`
	CreatedAt time.Time  `db:"created_at" json:"created_at"`
	RetiredAt *time.Time `db:"retired_at" json:"retired_at,omitempty"`
}

// JWK is one public key in a JSON Web Key Set (RFC 8037, OKP/Ed25519).
type JWK struct {
	Kty    string    `json:"kty" enum:"OKP"`
	Crv    string    `json:"crv" enum:"Ed25519"`
	X      string    `json:"x" doc:"The public key, base64url"`
	Kid    string    `json:"kid" doc:"The key id in tokens, decimal"`
	Use    string    `json:"use" enum:"sig"`
	Alg    string    `json:"alg" enum:"EdDSA"`
	Status KeyStatus `json:"status" doc:"Retired keys still verify the cards they signed"`
}
