package accounts

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"talentd/internal/auth"
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

func TestPasswordProblem(t *testing.T) {
	for pw, want := range map[string]string{
		"short":                               "characters",
		strings.Repeat("x", MaxPasswordLen+1): "characters",
		"          ":                          "spaces",
		"7777777777":                          "one character",
		"abcabcabcabc":                        "pattern",
		"qwertyqwerty":                        "pattern",
		"abcdefghijk":                         "sequence",
		"7890123456":                          "sequence",
		"kjihgfedcba":                         "sequence",
		"asdfghjkl;":                          "keyboard",
		"1qaz2wsx3edc":                        "keyboard",
		"poiuytrewq":                          "keyboard",
		"iloveyou2024":                        "common",
		"!!P@ssw0rd!!":                        "common",
		"Admin@123456":                        "common",
		"clerk-zhang-2026":                    "username",
	} {
		got := passwordProblem(pw, "Clerk-Zhang")
		if !strings.Contains(got.en, want) || got.code == "" || got.zh == "" {
			t.Errorf("%q: %+v, want a coded reason in both languages mentioning %q", pw, got, want)
		}
	}
	for _, ok := range []string{"talentd-demo", "test-password-1", "a-long-password", "another-password",
		"bootstrap-password", "correct horse battery", "人才办窗口的登录口令", "窗口三号的登录口令很长", "Tr0ub4dor&3x"} {
		if got := passwordProblem(ok, "alice"); got != (weakness{}) {
			t.Errorf("%q refused: %+v", ok, got)
		}
	}
	if len(commonPasswords) < 300 {
		t.Errorf("only %d common passwords embedded", len(commonPasswords))
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

func TestThrottle_Bounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	th := newThrottle(ThrottleOptions{MaxEntries: 100, PerAddress: 1 << 20, PerAccount: 1 << 20}, func() time.Time { return now })
	for i := range 5000 {
		a, _ := th.begin(fmt.Sprintf("user-%d", i), fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
		if a == nil {
			t.Fatalf("attempt %d refused", i)
		}
		a.failed()
		now = now.Add(time.Millisecond)
	}
	for name, n := range map[string]int{"pairs": len(th.pairs), "addresses": len(th.addrs), "usernames": len(th.users)} {
		if n > 100 {
			t.Errorf("%s: %d entries, bound 100", name, n)
		}
	}
	for i := range 5000 {
		a, _ := th.begin("owner", fmt.Sprintf("10.1.%d.%d", i>>8&255, i&255))
		a.succeeded()
	}
	if len(th.known) > 100 {
		t.Errorf("known addresses: %d entries, bound 100", len(th.known))
	}
}

func TestThrottle_ForgetsAfterMemory(t *testing.T) {
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	th := newThrottle(ThrottleOptions{}, func() time.Time { return now })
	for range 5 {
		a, _ := th.begin("u", "10.0.0.1")
		a.failed()
	}
	if _, wait := th.begin("u", "10.0.0.1"); wait != time.Minute {
		t.Errorf("after 5 failures want a minute, got %v", wait)
	}
	now = now.Add(24 * time.Hour)
	if a, wait := th.begin("u", "10.0.0.1"); a == nil {
		t.Errorf("a day later still waiting %v", wait)
	}
}

func TestThrottle_IPv6CountsPerSlash64(t *testing.T) {
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	th := newThrottle(ThrottleOptions{}, func() time.Time { return now })
	for i := range 5 {
		a, _ := th.begin("u", fmt.Sprintf("2001:db8:1:2::%x", i+1))
		if a == nil {
			t.Fatalf("attempt %d refused", i)
		}
		a.failed()
	}
	if a, _ := th.begin("u", "2001:db8:1:2:ffff::9"); a != nil {
		t.Error("another address in the same /64 was not throttled")
	}
	if a, _ := th.begin("u", "2001:db8:1:3::1"); a == nil {
		t.Error("another /64 was throttled")
	}
}

func TestPrincipalCache(t *testing.T) {
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	c := newPrincipalCache(5*time.Second, func() time.Time { return now })
	p := auth.Principal{AccountID: 1, TokenID: 7}
	exp := now.Add(2 * time.Second)
	c.put([]byte("h"), p, &exp, c.generation())
	if _, ok := c.get([]byte("h")); !ok {
		t.Fatal("not cached")
	}
	now = exp
	if _, ok := c.get([]byte("h")); ok {
		t.Error("cached past the token's expiry")
	}
	gen := c.generation()
	c.forgetToken(99)
	c.put([]byte("h"), p, nil, gen)
	if _, ok := c.get([]byte("h")); ok {
		t.Error("a principal read before a revocation was cached after it")
	}
}
