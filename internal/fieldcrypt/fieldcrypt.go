// Package fieldcrypt protects single sensitive fields (identity numbers) at rest: AES-256-GCM
// encryption under a rotatable key ring, and a keyed HMAC "blind index" that allows exact lookup
// and a uniqueness constraint without ever storing the plaintext.
//
// Rotation: make the new key current and keep the old ones in the ring (TALENTD_ENCRYPTION_OLD_KEYS);
// ciphertexts name the key that sealed them, so both old and new open; `talentd reencrypt` then
// re-seals every value under the current key, after which the old keys can be dropped. The index
// key is separate and does not rotate with the encryption key: changing it would mean recomputing
// every index value.
package fieldcrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

const (
	formatV1 = 1
	keyIDLen = 4
)

// ErrUndecryptable is returned for a ciphertext that no key in the ring opens.
var ErrUndecryptable = errors.New("fieldcrypt: value cannot be decrypted with any configured key")

// Ring seals with its current key and opens with any of its keys.
type Ring struct {
	current  keyEntry
	byID     map[[keyIDLen]byte]cipher.AEAD
	indexKey []byte
}

type keyEntry struct {
	id   [keyIDLen]byte
	aead cipher.AEAD
}

// KeyID names a 32-byte key by the first bytes of its SHA-256, so ciphertexts can say which key
// sealed them without revealing anything about it.
func KeyID(key []byte) [keyIDLen]byte {
	sum := sha256.Sum256(key)
	var id [keyIDLen]byte
	copy(id[:], sum[:keyIDLen])
	return id
}

// NewRing returns a ring sealing with current, opening with current and every old key, and
// indexing with indexKey. All keys are 32 bytes.
func NewRing(current []byte, old [][]byte, indexKey []byte) (*Ring, error) {
	if len(indexKey) < 32 {
		return nil, errors.New("fieldcrypt: index key must be at least 32 bytes")
	}
	r := &Ring{byID: map[[keyIDLen]byte]cipher.AEAD{}, indexKey: indexKey}
	for i, k := range append([][]byte{current}, old...) {
		if len(k) != 32 {
			return nil, fmt.Errorf("fieldcrypt: key %d is %d bytes, want 32", i, len(k))
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		id := KeyID(k)
		r.byID[id] = aead
		if i == 0 {
			r.current = keyEntry{id: id, aead: aead}
		}
	}
	return r, nil
}

// Seal encrypts plaintext under the current key. The associated data binds the ciphertext to its
// purpose (e.g. "talent.id_number"), so a value copied into another column does not open.
func (r *Ring) Seal(plaintext, purpose string) []byte {
	aead := r.current.aead
	out := make([]byte, 1+keyIDLen+aead.NonceSize(), 1+keyIDLen+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0] = formatV1
	copy(out[1:], r.current.id[:])
	nonce := out[1+keyIDLen:]
	if _, err := rand.Read(nonce); err != nil {
		panic("fieldcrypt: no randomness: " + err.Error())
	}
	return aead.Seal(out, nonce, []byte(plaintext), []byte(purpose))
}

// Open decrypts a value sealed by Seal with the same purpose under any key of the ring.
func (r *Ring) Open(sealed []byte, purpose string) (string, error) {
	if len(sealed) < 1+keyIDLen || sealed[0] != formatV1 {
		return "", ErrUndecryptable
	}
	var id [keyIDLen]byte
	copy(id[:], sealed[1:])
	aead, ok := r.byID[id]
	if !ok || len(sealed) < 1+keyIDLen+aead.NonceSize() {
		return "", ErrUndecryptable
	}
	nonce := sealed[1+keyIDLen : 1+keyIDLen+aead.NonceSize()]
	plain, err := aead.Open(nil, nonce, sealed[1+keyIDLen+aead.NonceSize():], []byte(purpose))
	if err != nil {
		return "", ErrUndecryptable
	}
	return string(plain), nil
}

// IsCurrent reports whether sealed was made with the current key (re-encryption skips those).
func (r *Ring) IsCurrent(sealed []byte) bool {
	return len(sealed) >= 1+keyIDLen && sealed[0] == formatV1 && [keyIDLen]byte(sealed[1:1+keyIDLen]) == r.current.id
}

// Index returns the blind index of value for purpose: equal inputs give equal outputs, and
// nothing about the input can be learned without the index key.
func (r *Ring) Index(value, purpose string) []byte {
	m := hmac.New(sha256.New, r.indexKey)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return m.Sum(nil)
}
