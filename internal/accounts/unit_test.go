package accounts

import (
	"strings"
	"testing"
	"time"
)

func TestHashPassword(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("unexpected hash format %q", h)
	}
	if !VerifyPassword(h, "correct horse battery") {
		t.Error("right password rejected")
	}
	for _, wrong := range []string{"", "correct horse batterY", "correct horse battery "} {
		if VerifyPassword(h, wrong) {
			t.Errorf("wrong password %q accepted", wrong)
		}
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Error("two hashes of one password must differ (random salt)")
	}
	for _, bad := range []string{"", "$argon2id$", "$bcrypt$v=19$m=1,t=1,p=1$AAAA$AAAA", h[:len(h)-4]} {
		if VerifyPassword(bad, "correct horse battery") {
			t.Errorf("malformed hash %q verified", bad)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	if err := checkPasswordPolicy("short"); err == nil {
		t.Error("short password accepted")
	}
	if err := checkPasswordPolicy(strings.Repeat("密", 10)); err != nil {
		t.Errorf("ten Chinese characters refused: %v", err)
	}
	if err := checkPasswordPolicy(strings.Repeat("x", MaxPasswordLen+1)); err == nil {
		t.Error("overlong password accepted")
	}
}

func TestTokens(t *testing.T) {
	a, _ := newToken(sessionPrefix)
	b, _ := newToken(apiKeyPrefix)
	if a == b || !plausibleToken(a) || !plausibleToken(b) {
		t.Errorf("tokens %q %q", a, b)
	}
	for _, bad := range []string{"", "tls_", "Bearer " + a, a + "x", "xxx_" + a[4:], "tls_" + strings.Repeat("!", 43)} {
		if plausibleToken(bad) {
			t.Errorf("implausible token %q accepted", bad)
		}
	}
	p1, p2 := []byte("pepper-one"), []byte("pepper-two")
	if string(hashToken(p1, a)) == string(hashToken(p2, a)) {
		t.Error("token hash must depend on the pepper")
	}
	if string(hashToken(p1, a)) != string(hashToken(p1, a)) {
		t.Error("token hash must be deterministic")
	}
}

func TestThrottle(t *testing.T) {
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	th := newThrottle(3, time.Minute, func() time.Time { return now })
	for i := range 3 {
		if w := th.blocked("u"); w != 0 {
			t.Fatalf("blocked after %d failures", i)
		}
		th.fail("u")
	}
	if w := th.blocked("u"); w != time.Minute {
		t.Errorf("after 3 failures want a minute's wait, got %v", w)
	}
	if w := th.blocked("other"); w != 0 {
		t.Error("another key must not be blocked")
	}
	now = now.Add(61 * time.Second)
	if w := th.blocked("u"); w != 0 {
		t.Errorf("window passed, still blocked for %v", w)
	}
	th.fail("u")
	th.fail("u")
	th.reset("u")
	th.fail("u")
	th.fail("u")
	if w := th.blocked("u"); w != 0 {
		t.Error("reset must forget earlier failures")
	}
}
