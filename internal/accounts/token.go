package accounts

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Token prefixes tell a session from an API key at a glance (and let secret scanners find leaks).
const (
	sessionPrefix = "tls_"
	apiKeyPrefix  = "tlk_"
)

// newToken returns a random opaque bearer token with the given prefix: 256 bits of entropy.
func newToken(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// hashToken is the keyed hash stored in place of a token: a stolen database copy is useless
// without the pepper, which lives outside the database.
func hashToken(pepper []byte, token string) []byte {
	m := hmac.New(sha256.New, pepper)
	m.Write([]byte(token))
	return m.Sum(nil)
}

// plausibleToken rejects obviously malformed tokens before any database lookup.
func plausibleToken(t string) bool {
	if len(t) != 4+43 || !(strings.HasPrefix(t, sessionPrefix) || strings.HasPrefix(t, apiKeyPrefix)) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(t[4:])
	return err == nil
}
