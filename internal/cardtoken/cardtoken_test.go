package cardtoken

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"math"
	"strings"
	"talentd/internal/civil"
	"testing"
	"time"
)

// testKey derives a fixed key from a label, so tokens (and the golden vector) are reproducible.
func testKey(label string) (ed25519.PrivateKey, ed25519.PublicKey, uint32) {
	seed := sha256.Sum256([]byte("cardtoken test key: " + label))
	priv := ed25519.NewKeyFromSeed(seed[:])
	pub := priv.Public().(ed25519.PublicKey)
	return priv, pub, KeyIDOf(pub)
}

var (
	officePriv, officePub, officeID = testKey("office")
	otherPriv, _, otherID           = testKey("other")
)

// officeRing knows only the office key, as a window client would.
func officeRing(id uint32) (ed25519.PublicKey, bool) {
	if id == officeID {
		return officePub, true
	}
	return nil, false
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func typical() Claims {
	return Claims{Serial: "BS-A-2021-000123", Version: 3, Grade: 'A', Expires: date(2028, time.June, 30), KeyID: officeID}
}

func mustSign(t testing.TB, c Claims, key ed25519.PrivateKey) string {
	t.Helper()
	tok, err := Sign(c, key)
	if err != nil {
		t.Fatalf("Sign(%+v): %v", c, err)
	}
	return tok
}

// forge signs an arbitrary payload the way Sign would, so a test can present a field defect that
// only the parser, not the signature, can catch.
func forge(payload []byte, key ed25519.PrivateKey) string {
	return b32.EncodeToString(append(append([]byte(nil), payload...), ed25519.Sign(key, signedMessage(payload))...))
}

// sentinels returns which of the three failure sentinels err wraps.
func sentinels(err error) []error {
	var got []error
	for _, s := range []error{ErrMalformed, ErrUnknownKey, ErrBadSignature} {
		if errors.Is(err, s) {
			got = append(got, s)
		}
	}
	return got
}

func wantErr(t testing.TB, what string, err, want error) {
	t.Helper()
	if got := sentinels(err); len(got) != 1 || got[0] != want {
		t.Errorf("%s: error %v wraps %v, want exactly %v", what, err, got, want)
	}
}

const qrAlphanumeric = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

func TestSign_roundTrip(t *testing.T) {
	for _, c := range []Claims{
		typical(),
		{Serial: "BSA2021000123", Version: 0, Grade: 'D', Expires: date(2000, time.January, 1), KeyID: officeID},
		{Serial: "X", Version: math.MaxUint32, Grade: 'B', Expires: date(2179, time.June, 6), KeyID: officeID},
		{Serial: "12345678901234567890", Version: 127, Grade: 'C', Expires: date(2030, time.February, 28), KeyID: officeID},
		// The same instant as a UTC midnight, written in Beijing time.
		{Serial: "BS-B-1", Version: 1, Grade: 'B', KeyID: officeID,
			Expires: time.Date(2029, time.March, 1, 8, 0, 0, 0, civil.District)},
	} {
		tok := mustSign(t, c, officePriv)
		if len(tok) > MaxTokenLen {
			t.Errorf("%+v: token of %d characters", c, len(tok))
		}
		if i := strings.IndexFunc(tok, func(r rune) bool { return !strings.ContainsRune(qrAlphanumeric, r) }); i >= 0 {
			t.Errorf("%+v: token character %d is not QR alphanumeric: %s", c, i, tok)
		}
		if again := mustSign(t, c, officePriv); again != tok {
			t.Errorf("%+v: Sign is not deterministic", c)
		}
		for name, f := range map[string]func(string) (Claims, error){
			"Parse":  Parse,
			"Verify": func(s string) (Claims, error) { return Verify(s, officeRing) },
		} {
			got, err := f(tok)
			if err != nil {
				t.Fatalf("%s(%s): %v", name, tok, err)
			}
			if got.Serial != c.Serial || got.Version != c.Version || got.Grade != c.Grade ||
				!got.Expires.Equal(c.Expires) || got.Expires.Location() != time.UTC || got.KeyID != c.KeyID {
				t.Errorf("%s: got %+v, want %+v", name, got, c)
			}
		}
	}
}

func TestSign_length(t *testing.T) {
	c := typical()
	for _, v := range []uint32{0, 127, 128, 16383, 16384, 1_000_000, math.MaxUint32} {
		c.Version = v
		if tok := mustSign(t, c, officePriv); len(tok) > MaxTokenLen {
			t.Errorf("16-character serial, version %d: %d characters", v, len(tok))
		} else if v == 1_000_000 {
			t.Logf("16-character serial, version 1e6: %d characters", len(tok))
		}
	}
	// The budget, by the length of the version's uvarint: 21 bytes for version and serial.
	for _, tc := range []struct {
		version   uint32
		maxSerial int
	}{{127, 20}, {128, 19}, {1<<21 - 1, 18}, {1 << 21, 17}, {math.MaxUint32, 16}} {
		c.Version = tc.version
		c.Serial = strings.Repeat("9", tc.maxSerial)
		tok := mustSign(t, c, officePriv)
		if len(tok) != 149 {
			t.Errorf("version %d, serial of %d: %d characters, want 149", tc.version, tc.maxSerial, len(tok))
		}
		c.Serial += "9"
		if _, err := Sign(c, officePriv); !errors.Is(err, ErrInvalidClaims) {
			t.Errorf("version %d, serial of %d: %v, want ErrInvalidClaims", tc.version, len(c.Serial), err)
		}
	}
}

// TestSign_golden pins the format: a change to the layout, context or key id derivation breaks it,
// and offline clients written in other languages can check themselves against the same vector.
func TestSign_golden(t *testing.T) {
	const (
		wantID    = 0x880f8db4
		wantToken = "AGEA7DNUAMICRKCCKMWUCLJSGAZDCLJQGAYDCMRTK4ZGBWD7Y6WVJUSETSVEAZNDGVZLWXRNEOJEQNFP7I7APS3N3UW5XVGZVSRCNVH6CLDNLZQDMPUCKE5JVF3CRQBTCYC7OBKFICSMEDA"
	)
	if officeID != wantID {
		t.Errorf("KeyIDOf = %08x, want %08x", officeID, wantID)
	}
	if tok := mustSign(t, typical(), officePriv); tok != wantToken {
		t.Errorf("token\n got %s\nwant %s", tok, wantToken)
	}
}

func TestSign_rejects(t *testing.T) {
	beijing := civil.District
	for name, mutate := range map[string]func(*Claims){
		"empty serial":         func(c *Claims) { c.Serial = "" },
		"serial of 25":         func(c *Claims) { c.Serial = strings.Repeat("A", 25) },
		"serial of 24":         func(c *Claims) { c.Serial = strings.Repeat("A", 24) }, // valid, but never fits
		"serial of 21":         func(c *Claims) { c.Serial = strings.Repeat("A", 21); c.Version = 1 },
		"lower-case serial":    func(c *Claims) { c.Serial = "bs-a-2021-000123" },
		"serial with a space":  func(c *Claims) { c.Serial = "BS A" },
		"serial with Chinese":  func(c *Claims) { c.Serial = "璧山-1" },
		"grade E":              func(c *Claims) { c.Grade = 'E' },
		"grade a":              func(c *Claims) { c.Grade = 'a' },
		"grade 0":              func(c *Claims) { c.Grade = 0 },
		"zero expiry":          func(c *Claims) { c.Expires = time.Time{} },
		"expiry not midnight":  func(c *Claims) { c.Expires = c.Expires.Add(time.Hour) },
		"expiry nanosecond":    func(c *Claims) { c.Expires = c.Expires.Add(time.Nanosecond) },
		"Beijing midnight":     func(c *Claims) { c.Expires = time.Date(2028, time.June, 30, 0, 0, 0, 0, beijing) },
		"expiry before 2000":   func(c *Claims) { c.Expires = date(1999, time.December, 31) },
		"expiry after 2179":    func(c *Claims) { c.Expires = date(2179, time.June, 7) },
		"expiry in year 9999":  func(c *Claims) { c.Expires = date(9999, time.December, 31) },
		"expiry before year 1": func(c *Claims) { c.Expires = date(-5000, time.January, 1) },
	} {
		c := typical()
		mutate(&c)
		tok, err := Sign(c, officePriv)
		if !errors.Is(err, ErrInvalidClaims) || tok != "" {
			t.Errorf("%s: Sign = %q, %v; want ErrInvalidClaims", name, tok, err)
		}
	}

	c := typical()
	if _, err := Sign(c, officePriv[:10]); err == nil {
		t.Error("a short private key was accepted")
	}
	if _, err := Sign(c, nil); err == nil {
		t.Error("a nil private key was accepted")
	}
	if _, err := Sign(c, otherPriv); err == nil || errors.Is(err, ErrInvalidClaims) {
		t.Errorf("claims naming another key's id: %v, want a key mismatch error", err)
	}
}

func TestVerify_keys(t *testing.T) {
	c := typical()
	c.KeyID = otherID
	wantErr(t, "signed by a key the ring does not know", verifyErr(mustSign(t, c, otherPriv), officeRing), ErrUnknownKey)

	// An attacker with their own key claims the office's key id.
	p, err := appendPayload(nil, typical())
	if err != nil {
		t.Fatal(err)
	}
	forged := forge(p, otherPriv)
	if _, err := Parse(forged); err != nil {
		t.Fatalf("the forgery should be well formed: %v", err)
	}
	wantErr(t, "another key claiming a known id", verifyErr(forged, officeRing), ErrBadSignature)

	tok := mustSign(t, typical(), officePriv)
	_, otherPub, _ := testKey("other")
	wantErr(t, "ring returning the wrong key", verifyErr(tok, func(uint32) (ed25519.PublicKey, bool) { return otherPub, true }), ErrUnknownKey)
	wantErr(t, "ring returning a short key", verifyErr(tok, func(uint32) (ed25519.PublicKey, bool) { return officePub[:31], true }), ErrUnknownKey)
	wantErr(t, "ring returning nil", verifyErr(tok, func(uint32) (ed25519.PublicKey, bool) { return nil, true }), ErrUnknownKey)
	wantErr(t, "nil ring", verifyErr(tok, nil), ErrUnknownKey)
}

func verifyErr(tok string, ring func(uint32) (ed25519.PublicKey, bool)) error {
	c, err := Verify(tok, ring)
	if err != nil && c != (Claims{}) {
		return errors.New("claims returned with an error")
	}
	return err
}

func TestVerify_tampering(t *testing.T) {
	tok := mustSign(t, typical(), officePriv)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	seen := map[error]int{}
	check := func(what, bad string) {
		t.Helper()
		_, err := Verify(bad, officeRing)
		got := sentinels(err)
		if len(got) != 1 {
			t.Fatalf("%s: Verify(%s) = %v, want exactly one sentinel", what, bad, err)
		}
		seen[got[0]]++
		// Only a changed key id may make the key unknown; everything else is caught by form or signature.
		if got[0] == ErrUnknownKey {
			if c, err := Parse(bad); err != nil || c.KeyID == officeID {
				t.Errorf("%s: ErrUnknownKey but the key id is unchanged", what)
			}
		}
	}
	for i := range len(tok) {
		for _, r := range alphabet {
			if byte(r) == tok[i] {
				continue
			}
			check("character", tok[:i]+string(r)+tok[i+1:])
		}
	}
	raw, err := b32.DecodeString(tok)
	if err != nil {
		t.Fatal(err)
	}
	for i := range len(raw) * 8 {
		flipped := append([]byte(nil), raw...)
		flipped[i/8] ^= 0x80 >> (i % 8)
		check("bit", b32.EncodeToString(flipped))
	}
	// Most changes land in the serial or the signature, where only the signature can catch them.
	if seen[ErrBadSignature] < seen[ErrMalformed] || seen[ErrMalformed] == 0 {
		t.Errorf("failures by kind: %v", seen)
	}
	t.Logf("failures by kind: %d malformed, %d unknown key, %d bad signature",
		seen[ErrMalformed], seen[ErrUnknownKey], seen[ErrBadSignature])
}

func TestParse_rejects(t *testing.T) {
	tok := mustSign(t, typical(), officePriv)
	raw, err := b32.DecodeString(tok)
	if err != nil {
		t.Fatal(err)
	}
	payload := raw[:len(raw)-sigLen]
	withPayload := func(edit func(p []byte) []byte) string {
		return forge(edit(append([]byte(nil), payload...)), officePriv)
	}
	// Offsets in the typical payload: version 3 is one byte at 5, grade and serial length at 6,
	// expiry at 7–8, serial from 9.
	setGradeLen := func(p []byte, grade, n byte) { p[6] = grade<<gradeShift | n }
	cases := map[string]string{
		"empty":                   "",
		"white space only":        " \r\n\t",
		"1 MB":                    strings.Repeat("A", 1<<20),
		"1 MB with a valid start": tok + strings.Repeat("A", 1<<20),
		"one character":           "A",
		"truncated by 1":          tok[:len(tok)-1],
		"truncated by 8":          tok[:len(tok)-8],
		"half":                    tok[:len(tok)/2],
		"trailing character":      tok + "A",
		"trailing characters":     tok + "AA",
		"trailing block":          tok + "AAAAAAAA",
		"trailing byte":           b32.EncodeToString(append(raw[:len(raw):len(raw)], 'A')),
		"trailing bytes":          b32.EncodeToString(append(raw[:len(raw):len(raw)], 1, 2)),
		"padding":                 tok + "===",
		"internal newline":        tok[:70] + "\n" + tok[70:],
		"internal space":          tok[:70] + " " + tok[70:],
		"base32hex digit":         tok[:10] + "0" + tok[11:],
		"full-width letter":       "Ａ" + tok[1:],
		"long s":                  tok[:5] + "ſ" + tok[6:],
		"dotless i":               tok[:5] + "ı" + tok[6:],
		"invalid UTF-8":           tok[:20] + "\xff" + tok[21:],
		"NUL":                     tok[:20] + "\x00" + tok[21:],
		"base64":                  base64.StdEncoding.EncodeToString(raw),
		"base64 raw URL":          base64.RawURLEncoding.EncodeToString(raw),
		"no signature":            b32.EncodeToString(payload),
		"format 0":                withPayload(func(p []byte) []byte { p[0] = 0; return p }),
		"format 2":                withPayload(func(p []byte) []byte { p[0] = 2; return p }),
		"grade E":                 withPayload(func(p []byte) []byte { setGradeLen(p, 4, 16); return p }),
		"grade H":                 withPayload(func(p []byte) []byte { setGradeLen(p, 7, 16); return p }),
		"serial length 0": withPayload(func(p []byte) []byte {
			// A two-byte version keeps the token from being merely truncated.
			return append(p[:5:5], 0xc8, 0x01, 0<<gradeShift|0, p[7], p[8])
		}),
		"serial length 15 of 16": withPayload(func(p []byte) []byte { setGradeLen(p, 0, 15); return p }),
		"serial length 17 of 16": withPayload(func(p []byte) []byte { setGradeLen(p, 0, 17); return p }),
		"serial length 25 of 16": withPayload(func(p []byte) []byte { setGradeLen(p, 0, 25); return p }),
		"serial length 31 of 16": withPayload(func(p []byte) []byte { setGradeLen(p, 0, 31); return p }),
		"lower-case serial":      withPayload(func(p []byte) []byte { p[9] = 'b'; return p }),
		"serial with a space":    withPayload(func(p []byte) []byte { p[10] = ' '; return p }),
		"serial with NUL":        withPayload(func(p []byte) []byte { p[10] = 0; return p }),
		"serial with UTF-8": withPayload(func(p []byte) []byte {
			setGradeLen(p, 0, byte(len("璧山")))
			return append(p[:9], "璧山"...)
		}),
		"version uvarint not minimal": withPayload(func(p []byte) []byte {
			return append(append(p[:5:5], 0x83, 0x00), p[6:]...)
		}),
		"version over 32 bits": withPayload(func(p []byte) []byte {
			return append(append(p[:5:5], 0x80, 0x80, 0x80, 0x80, 0x10), p[6:]...)
		}),
		"version overflowing 64 bits": withPayload(func(p []byte) []byte {
			return append(append(p[:5:5], 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), p[6:12]...)
		}),
		"version uvarint unterminated": withPayload(func(p []byte) []byte {
			return append(p[:5:5], 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
		}),
		"truncated after version": withPayload(func(p []byte) []byte { return p[:8] }),
	}
	for name, in := range cases {
		c, err := Parse(in)
		wantErr(t, "Parse "+name, err, ErrMalformed)
		if err == nil || c != (Claims{}) {
			t.Errorf("Parse %s returned claims %+v", name, c)
		}
		wantErr(t, "Verify "+name, verifyErr(in, officeRing), ErrMalformed)
	}
}

// TestParse_caseAndSpace pins the decision to accept what scanners do to a token: change its case
// and add white space around it.
func TestParse_caseAndSpace(t *testing.T) {
	tok := mustSign(t, typical(), officePriv)
	mixed := []byte(tok)
	for i := 0; i < len(mixed); i += 2 {
		mixed[i] = byte(strings.ToLower(string(mixed[i]))[0])
	}
	for name, in := range map[string]string{
		"lower case":         strings.ToLower(tok),
		"mixed case":         string(mixed),
		"trailing newline":   tok + "\r\n",
		"spaces around":      "  " + tok + "\t",
		"ideographic spaces": "\u3000" + tok + "\u3000",
	} {
		if c, err := Verify(in, officeRing); err != nil || c.Serial != typical().Serial {
			t.Errorf("%s: %+v, %v", name, c, err)
		}
	}
}

// FuzzParse feeds arbitrary text to Parse and Verify.
func FuzzParse(f *testing.F) {
	tok, err := Sign(typical(), officePriv)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{tok, strings.ToLower(tok), " " + tok + "\n", tok[:len(tok)-1], tok + "A", "", "A", "garbage", "AAAAAAAA"} {
		f.Add(s)
	}
	f.Fuzz(checkToken)
}

// FuzzVerify feeds arbitrary bytes, base32-encoded, to Parse and Verify, so the mutations reach the
// field parser instead of mostly dying in the base32 decoder.
func FuzzVerify(f *testing.F) {
	for _, c := range []Claims{typical(), {Serial: "X", Version: 1 << 20, Grade: 'D', Expires: date(2000, 1, 1), KeyID: officeID}} {
		tok, err := Sign(c, officePriv)
		if err != nil {
			f.Fatal(err)
		}
		raw, err := b32.DecodeString(tok)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
		f.Add(raw[:len(raw)-sigLen])
	}
	f.Add([]byte{})
	f.Add([]byte{formatV1})
	f.Fuzz(func(t *testing.T, raw []byte) { checkToken(t, b32.EncodeToString(raw)) })
}

// checkToken asserts the properties that must hold for any input: one sentinel per failure,
// canonical encoding of whatever is accepted, and that only Sign's own output verifies.
func checkToken(t *testing.T, s string) {
	c, err := Parse(s)
	vc, verr := Verify(s, officeRing)
	if err != nil {
		wantErr(t, "Parse", err, ErrMalformed)
		wantErr(t, "Verify after Parse failed", verr, ErrMalformed)
		return
	}
	norm := strings.ToUpper(strings.TrimSpace(s))
	raw, err := b32.DecodeString(norm)
	if err != nil || b32.EncodeToString(raw) != norm {
		t.Fatalf("Parse accepted non-canonical base32 %q", s)
	}
	canon, err := appendPayload(nil, c)
	if err != nil || string(canon) != string(raw[:len(raw)-sigLen]) {
		t.Fatalf("Parse accepted %q, whose claims %+v encode differently (%v)", s, c, err)
	}
	// Whatever parses can be issued: the accepted set and the signable set are the same.
	reissued := c
	reissued.KeyID = officeID
	again, err := Sign(reissued, officePriv)
	if err != nil || len(again) != len(norm) {
		t.Fatalf("claims %+v parsed but do not re-sign: %q, %v", c, again, err)
	}
	if back, err := Parse(again); err != nil || back != reissued {
		t.Fatalf("re-signed claims do not round-trip: %+v, %v", back, err)
	}
	if verr != nil {
		if got := sentinels(verr); len(got) != 1 || got[0] == ErrMalformed {
			t.Fatalf("Verify of a parsable token: %v", verr)
		}
		return
	}
	if again != norm || vc != c {
		t.Fatalf("Verify accepted %q, which Sign did not produce (Sign gives %q)", s, again)
	}
}

func BenchmarkSign(b *testing.B) {
	c := typical()
	c.Version = 1_000_000
	n := 0
	for b.Loop() {
		if _, err := Sign(c, officePriv); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "ops/s")
}

func BenchmarkVerify(b *testing.B) {
	tok, err := Sign(typical(), officePriv)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for b.Loop() {
		if _, err := Verify(tok, officeRing); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "ops/s")
}

func BenchmarkParse(b *testing.B) {
	tok, err := Sign(typical(), officePriv)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for b.Loop() {
		if _, err := Parse(tok); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "ops/s")
}
