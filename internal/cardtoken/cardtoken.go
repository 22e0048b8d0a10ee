// Package cardtoken is the signed token inside a talent green card's QR code. It carries no personal
// data: only the card serial, the card version, the grade, the expiry date and the id of the signing
// key, signed with Ed25519 so that nobody without the office's private key can make one.
//
// # Text
//
// The token is RFC 4648 base32 (alphabet A–Z 2–7), upper case, without padding and without a
// prefix: the QR alphanumeric mode stores those characters at 5.5 bits each, and every character
// of a prefix would be taken from the serial (see "Size"). At most [MaxTokenLen] characters.
//
// Parse accepts lower and mixed case by upper-casing (ASCII only), because some scanners and
// keyboard-wedge readers change the case of what they read, and case carries no information in
// base32. It trims surrounding white space (a scanner's trailing newline). Anything else that is not
// the canonical text is refused: internal white space, padding, trailing bits that are not zero,
// any character outside the alphabet. So apart from case and surrounding white space there is
// exactly one text per card version, and Sign, being deterministic, always produces that text.
//
// # Layout
//
// The decoded bytes, integers big-endian:
//
//	offset  size  field
//	0       1     format, 0x01
//	1       4     key id: KeyIDOf(the signing public key)
//	5       1–5   card version, uvarint (unsigned LEB128), minimally encoded, at most 2^32−1
//	v       1     grade and serial length: (grade − 'A') << 5 | n, grade 'A'..'D', 1 ≤ n ≤ 24
//	v+1     2     expiry: days from 2000-01-01 to the last valid day (so at most 2179-06-06)
//	v+3     n     serial, ASCII [A-Z0-9-]
//	v+3+n   64    Ed25519 signature of "talentd green card v1" followed by every byte before it
//
// The grade and the serial length share a byte because a byte of its own would cost 1.6 characters
// of the budget, and without a length the token would not delimit itself: bytes appended to it
// would parse as a longer serial with a wrong signature, which only Verify, not Parse, could tell.
//
// The signature is pure Ed25519 (RFC 8032) over the context string and the payload rather than
// Ed25519ctx, because offline window clients (WebCrypto, libsodium) implement only the pure form; a
// fixed-length context in front of the payload separates the domains just as well.
//
// # Size
//
// 150 base32 characters hold 93 bytes (149 characters). The fixed fields and the signature take
// 72, leaving 21 for the version and the serial: a 16-character serial fits with any version, a
// 20-character serial only with versions below 128. Sign refuses claims that do not fit, so a card
// whose token cannot be printed is found when it is issued, not at a service window.
package cardtoken

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// MaxTokenLen is the longest token text, in bytes: it fits a QR code of version 8, level M, even in
// byte mode (version 6 in alphanumeric mode), which scanners at service windows read easily.
const MaxTokenLen = 150

const (
	formatV1     = 0x01
	sigLen       = ed25519.SignatureSize
	maxSerialLen = 24
	maxRawLen    = MaxTokenLen * 5 / 8 // the most bytes whose unpadded base32 fits in MaxTokenLen
	// format, key id, shortest version, grade and serial length, expiry, shortest serial, signature
	minRawLen  = 1 + 4 + 1 + 1 + 2 + 1 + sigLen
	gradeShift = 5
	lenMask    = 1<<gradeShift - 1
	// The Unix time of 2000-01-01T00:00:00Z, the day expiry dates count from.
	epochUnix  = 946684800
	secsPerDay = 24 * 60 * 60

	// signingContext keeps a signature over a card token from meaning anything to any other verifier
	// that might one day be handed the same key, and vice versa.
	signingContext = "talentd green card v1"
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// Sentinel errors; every failure of Parse and Verify wraps exactly one of the first three.
var (
	// ErrMalformed is a token that is not the canonical encoding of valid claims.
	ErrMalformed = errors.New("cardtoken: malformed token")
	// ErrUnknownKey is a well-formed token whose key id the verifier has no usable public key for.
	ErrUnknownKey = errors.New("cardtoken: unknown signing key")
	// ErrBadSignature is a well-formed token whose signature does not verify: forged or altered.
	ErrBadSignature = errors.New("cardtoken: bad signature")
	// ErrInvalidClaims is claims that Sign cannot put in a token (bad field, or too long to fit).
	ErrInvalidClaims = errors.New("cardtoken: invalid claims")
)

// Claims is what a token says about a card; it identifies the card but not the person.
type Claims struct {
	// Serial is the card serial, [A-Z0-9-]{1,24}; the length budget usually allows fewer (see Size).
	Serial string
	// Version is the card version; a reissue increments it, so an older card's token is superseded.
	Version uint32
	// Grade is the talent grade the card was issued for, 'A' (highest) to 'D'.
	Grade byte
	// Expires is the last day the card is valid, as the instant of that date's midnight in UTC.
	Expires time.Time
	// KeyID names the signing key: KeyIDOf its public key.
	KeyID uint32
}

// KeyIDOf derives a key id from a public key: the first 4 bytes of its SHA-256, big-endian, so
// independently made keys never share an id by accident and any client can recompute it.
func KeyIDOf(pub ed25519.PublicKey) uint32 {
	sum := sha256.Sum256(pub)
	return binary.BigEndian.Uint32(sum[:4])
}

// Sign returns the token for c signed with key, whose public half must have the id c.KeyID.
// Claims that are invalid or would make a token longer than MaxTokenLen wrap ErrInvalidClaims.
func Sign(c Claims, key ed25519.PrivateKey) (string, error) {
	if len(key) != ed25519.PrivateKeySize {
		return "", fmt.Errorf("cardtoken: private key has %d bytes, want %d", len(key), ed25519.PrivateKeySize)
	}
	// A token labelled with another key's id would fail at every window as a forgery.
	if id := KeyIDOf(key.Public().(ed25519.PublicKey)); id != c.KeyID {
		return "", fmt.Errorf("cardtoken: claims name key %08x but the signing key is %08x", c.KeyID, id)
	}
	var buf [maxRawLen + sigLen]byte // room for an over-long payload, so its length can be reported
	payload, err := appendPayload(buf[:0], c)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidClaims, err)
	}
	if n := len(payload) + sigLen; n > maxRawLen {
		return "", fmt.Errorf("%w: serial %q with version %d makes a token of %d characters, over %d",
			ErrInvalidClaims, c.Serial, c.Version, b32.EncodedLen(n), MaxTokenLen)
	}
	return b32.EncodeToString(append(payload, ed25519.Sign(key, signedMessage(payload))...)), nil
}

// Parse decodes a token without checking its signature, for a caller that needs the key id (or
// the serial, to log a rejected card) before it can verify. Its claims must not be trusted.
func Parse(token string) (Claims, error) {
	var raw [maxRawLen]byte
	c, _, _, err := decode(token, &raw)
	return c, err
}

// Verify parses token and checks its signature with the public key keyOf returns for its key id.
// It does not look at the clock: whether the card has expired, been revoked or superseded is the
// caller's question. On failure the claims are zero, so unverified data cannot be used by mistake.
func Verify(token string, keyOf func(keyID uint32) (ed25519.PublicKey, bool)) (Claims, error) {
	var raw [maxRawLen]byte
	c, payload, sig, err := decode(token, &raw)
	if err != nil {
		return Claims{}, err
	}
	var pub ed25519.PublicKey
	ok := false
	if keyOf != nil {
		pub, ok = keyOf(c.KeyID)
	}
	if !ok {
		return Claims{}, fmt.Errorf("%w: key id %08x", ErrUnknownKey, c.KeyID)
	}
	// A key ring that hands back the wrong key is a configuration error; reporting the card as
	// forged would send window staff after the wrong problem (and a short key would panic).
	if len(pub) != ed25519.PublicKeySize || KeyIDOf(pub) != c.KeyID {
		return Claims{}, fmt.Errorf("%w: the key ring returned a key that is not %08x", ErrUnknownKey, c.KeyID)
	}
	if !ed25519.Verify(pub, signedMessage(payload), sig) {
		return Claims{}, fmt.Errorf("%w: card %s version %d", ErrBadSignature, c.Serial, c.Version)
	}
	return c, nil
}

func signedMessage(payload []byte) []byte {
	var buf [len(signingContext) + maxRawLen + sigLen]byte
	return append(append(buf[:0], signingContext...), payload...)
}

// appendPayload appends the unsigned part of c's token to b; it is the one definition of the
// encoding, which decode also uses to prove that what it accepted is canonical. Its errors wrap no
// sentinel: Sign and decode each add the one that fits their side.
func appendPayload(b []byte, c Claims) ([]byte, error) {
	if err := checkSerial(c.Serial); err != nil {
		return nil, err
	}
	if c.Grade < 'A' || c.Grade > 'D' {
		return nil, fmt.Errorf("grade %q is not A to D", c.Grade)
	}
	u := c.Expires.UTC()
	secs := u.Unix() - epochUnix
	if u.Nanosecond() != 0 || secs%secsPerDay != 0 {
		// Rounding would silently move a card's last day by one in some time zone.
		return nil, fmt.Errorf("expiry %s is not a midnight in UTC", c.Expires)
	}
	days := secs / secsPerDay
	if days < 0 || days > math.MaxUint16 {
		return nil, fmt.Errorf("expiry %s is outside 2000-01-01 to 2179-06-06", u.Format(time.DateOnly))
	}
	b = append(b, formatV1)
	b = binary.BigEndian.AppendUint32(b, c.KeyID)
	b = binary.AppendUvarint(b, uint64(c.Version))
	b = append(b, (c.Grade-'A')<<gradeShift|byte(len(c.Serial)))
	b = binary.BigEndian.AppendUint16(b, uint16(days))
	return append(b, c.Serial...), nil
}

func checkSerial(s string) error {
	if len(s) == 0 || len(s) > maxSerialLen {
		return fmt.Errorf("serial has %d characters, want 1 to %d", len(s), maxSerialLen)
	}
	for i := 0; i < len(s); i++ {
		if ch := s[i]; !('A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || ch == '-') {
			return fmt.Errorf("serial byte %d (%q) is not one of A-Z, 0-9, '-'", i, ch)
		}
	}
	return nil
}

// decode turns token into claims, payload and signature, the latter two pointing into raw. Every
// error wraps ErrMalformed.
func decode(token string, raw *[maxRawLen]byte) (c Claims, payload, sig []byte, err error) {
	s := strings.TrimSpace(token)
	// Checked before any decoding, so a hostile input costs no more work than a valid one.
	if len(s) == 0 || len(s) > MaxTokenLen {
		return Claims{}, nil, nil, fmt.Errorf("%w: %d characters, want 1 to %d", ErrMalformed, len(s), MaxTokenLen)
	}
	var text [MaxTokenLen]byte
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if 'a' <= ch && ch <= 'z' {
			// Byte-wise rather than strings.ToUpper, which maps non-ASCII letters such as 'ſ'
			// and 'ı' onto the alphabet.
			ch -= 'a' - 'A'
		}
		if !('A' <= ch && ch <= 'Z' || '2' <= ch && ch <= '7') {
			return Claims{}, nil, nil, fmt.Errorf("%w: character %d is not base32", ErrMalformed, i)
		}
		text[i] = ch
	}
	n, err := b32.Decode(raw[:], text[:len(s)])
	if err != nil {
		return Claims{}, nil, nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	// The decoder tolerates lengths and trailing bits that no encoder produces; re-encoding is
	// the simplest complete test that the text is the one Sign would have written.
	var again [MaxTokenLen]byte
	b32.Encode(again[:], raw[:n])
	if string(again[:b32.EncodedLen(n)]) != string(text[:len(s)]) {
		return Claims{}, nil, nil, fmt.Errorf("%w: not canonical base32", ErrMalformed)
	}
	if n < minRawLen {
		return Claims{}, nil, nil, fmt.Errorf("%w: truncated, %d bytes", ErrMalformed, n)
	}
	c, m, err := parsePayload(raw[:n])
	if err != nil {
		return Claims{}, nil, nil, err
	}
	return c, raw[:m], raw[m:n], nil
}

// parsePayload reads the claims at the start of raw and returns them with the payload's length,
// after which exactly one signature must follow.
func parsePayload(raw []byte) (Claims, int, error) {
	if raw[0] != formatV1 {
		return Claims{}, 0, fmt.Errorf("%w: unknown format %#02x", ErrMalformed, raw[0])
	}
	c := Claims{KeyID: binary.BigEndian.Uint32(raw[1:5])}
	v, k := binary.Uvarint(raw[5:])
	if k <= 0 || v > math.MaxUint32 {
		return Claims{}, 0, fmt.Errorf("%w: card version is not a 32-bit uvarint", ErrMalformed)
	}
	c.Version = uint32(v)
	off := 5 + k
	if len(raw) < off+3 {
		return Claims{}, 0, fmt.Errorf("%w: truncated after the card version", ErrMalformed)
	}
	c.Grade = 'A' + raw[off]>>gradeShift
	n := int(raw[off] & lenMask)
	if m := off + 3 + n; len(raw) != m+sigLen {
		return Claims{}, 0, fmt.Errorf("%w: %d bytes, but a serial of %d makes %d", ErrMalformed, len(raw), n, m+sigLen)
	}
	c.Expires = time.Unix(epochUnix+int64(binary.BigEndian.Uint16(raw[off+1:off+3]))*secsPerDay, 0).UTC()
	c.Serial = string(raw[off+3 : off+3+n])
	payload := raw[:off+3+n]
	var again [maxRawLen + sigLen]byte
	canon, err := appendPayload(again[:0], c)
	if err != nil {
		return Claims{}, 0, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	// Catches an over-long version uvarint, and anything else that decodes to claims whose
	// encoding differs, so accepted tokens and signed tokens are the same set.
	if string(canon) != string(payload) {
		return Claims{}, 0, fmt.Errorf("%w: not the canonical encoding", ErrMalformed)
	}
	return c, len(payload), nil
}
