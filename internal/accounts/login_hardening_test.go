package accounts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/pgtest"
	"talentd/internal/reqctx"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const hardeningPassword = "test-password-1"

var (
	hardeningHashOnce sync.Once
	hardeningHash     string
)

// sharedTestHash lets every test account share one slow hash.
func sharedTestHash() string {
	hardeningHashOnce.Do(func() {
		h, err := HashPassword(hardeningPassword)
		if err != nil {
			panic(err)
		}
		hardeningHash = h
	})
	return hardeningHash
}

// testClock is a settable clock for the service.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type hardeningEnv struct {
	t     *testing.T
	db    *sqlx.DB
	s     *Service
	clock *testClock
	ids   map[string]int64
}

// newHardeningEnv is a Service on a fresh database with a settable clock, plus an admin and the
// named accounts, all with hardeningPassword.
func newHardeningEnv(t *testing.T, o Options, users ...string) *hardeningEnv {
	t.Helper()
	db := pgtest.New(t)
	clock := &testClock{t: time.Now().UTC()}
	o.Pepper = []byte("test-pepper-test-pepper-test-pep")
	o.Now = clock.now
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := &hardeningEnv{t: t, db: db, s: NewService(db, o), clock: clock, ids: map[string]int64{}}
	for _, u := range append([]string{"admin"}, users...) {
		role := auth.RoleServiceWindow
		if u == "admin" {
			role = auth.RoleAdmin
		}
		a, err := e.s.createWithHash(systemCtx(), NewAccount{Username: u, DisplayName: u, Role: role}, sharedTestHash())
		if err != nil {
			t.Fatal(err)
		}
		e.ids[u] = a.ID
	}
	return e
}

func systemCtx() context.Context { return auth.WithPrincipal(context.Background(), auth.System) }

func (e *hardeningEnv) login(user, pw, addr string) (Session, error) {
	return e.s.Login(context.Background(), user, pw, addr)
}

// as returns a context acting as user through a fresh session opened from addr.
func (e *hardeningEnv) as(user, addr string) context.Context {
	e.t.Helper()
	sess, err := e.login(user, hardeningPassword, addr)
	if err != nil {
		e.t.Fatalf("login %s: %v", user, err)
	}
	p, err := e.s.Authenticate(context.Background(), sess.Token)
	if err != nil {
		e.t.Fatal(err)
	}
	return auth.WithPrincipal(reqctx.WithClientAddr(context.Background(), addr), p)
}

func mustKind(t *testing.T, err error, kind errs.Kind, what string) *errs.Error {
	t.Helper()
	var de *errs.Error
	if !errors.As(err, &de) || de.Kind != kind {
		t.Fatalf("%s: got %v, want kind %s", what, err, kind)
	}
	return de
}

// Forty guesses at once on one account from one address: the attempts are counted before the
// password is hashed, so no more than the limit are ever checked and the right password, sent
// next, is refused while the lock holds.
func TestLogin_ParallelGuessesReserveAttempts(t *testing.T) {
	t.Parallel()
	e := newHardeningEnv(t, Options{}, "alice")
	var wg sync.WaitGroup
	var mu sync.Mutex
	kinds := map[errs.Kind]int{}
	for i := range 39 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.login("alice", fmt.Sprintf("wrong-guess-%02d", i), "203.0.113.7")
			mu.Lock()
			kinds[errs.KindOf(err)]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if n := e.s.hashes.Load(); n > 5 {
		t.Errorf("%d passwords hashed for 39 parallel guesses; the limit is 5", n)
	}
	if kinds[errs.Unauthenticated] > 5 || kinds[errs.Unauthenticated]+kinds[errs.TooManyRequests] != 39 {
		t.Errorf("answers by kind: %v", kinds)
	}
	_, err := e.login("alice", hardeningPassword, "203.0.113.7")
	de := mustKind(t, err, errs.TooManyRequests, "the right password while locked")
	if de.RetryAfterSeconds < 1 {
		t.Errorf("Retry-After %d", de.RetryAfterSeconds)
	}
	// The lock is on this address: the owner elsewhere is not locked out by it.
	if _, err := e.login("alice", hardeningPassword, "198.51.100.20"); err != nil {
		t.Errorf("owner from another address: %v", err)
	}
}

// Delays grow: after the free attempts, each further failure doubles the wait; a success clears it.
func TestLogin_DelaysGrow(t *testing.T) {
	t.Parallel()
	e := newHardeningEnv(t, Options{}, "bob")
	const addr = "203.0.113.8"
	for i := range 5 {
		_, err := e.login("bob", fmt.Sprintf("wrong-%d", i), addr)
		mustKind(t, err, errs.Unauthenticated, "free attempt")
	}
	_, err := e.login("bob", "wrong-x", addr)
	first := mustKind(t, err, errs.TooManyRequests, "sixth attempt").RetryAfterSeconds
	e.clock.advance(time.Duration(first)*time.Second + time.Second)
	_, err = e.login("bob", "wrong-y", addr)
	mustKind(t, err, errs.Unauthenticated, "one attempt after the delay")
	_, err = e.login("bob", "wrong-z", addr)
	second := mustKind(t, err, errs.TooManyRequests, "after another failure").RetryAfterSeconds
	if second < 2*first-1 {
		t.Errorf("delay did not grow: %d s then %d s", first, second)
	}
	e.clock.advance(time.Duration(second)*time.Second + time.Second)
	if _, err := e.login("bob", hardeningPassword, addr); err != nil {
		t.Fatalf("right password after the delay: %v", err)
	}
	for i := range 5 {
		_, err := e.login("bob", fmt.Sprintf("again-%d", i), addr)
		mustKind(t, err, errs.Unauthenticated, "a success clears the count")
	}
}

// Many people sign in from behind one office NAT while someone there sprays guesses at other
// usernames: everyone still gets in.
func TestLogin_OfficeNAT(t *testing.T) {
	t.Parallel()
	var users []string
	for i := range 20 {
		users = append(users, fmt.Sprintf("clerk-%02d", i))
	}
	e := newHardeningEnv(t, Options{}, users...)
	const nat = "10.20.30.40"
	for i, u := range users {
		_, err := e.login(u, "a-typo-"+u, nat)
		mustKind(t, err, errs.Unauthenticated, "typo")
		for j := range 2 {
			e.login(fmt.Sprintf("guess-%02d-%d", i, j), "guess-password", nat)
		}
		if _, err := e.login(u, hardeningPassword, nat); err != nil {
			t.Fatalf("%s behind the NAT after %d failures from it: %v", u, 3*i+1, err)
		}
	}
}

// Once the spray from a NAT address passes the address-wide limit, strangers from there are slowed,
// but people who have signed in from there before are not.
func TestLogin_OfficeNATUnderHeavySpray(t *testing.T) {
	t.Parallel()
	e := newHardeningEnv(t, Options{Throttle: ThrottleOptions{PerAddress: 10}}, "carol", "dave")
	const nat = "10.20.30.41"
	if _, err := e.login("carol", hardeningPassword, nat); err != nil {
		t.Fatal(err)
	}
	var refused int
	for i := range 30 {
		if _, err := e.login(fmt.Sprintf("spray-%02d", i), "guess-password", nat); errs.Is(err, errs.TooManyRequests) {
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("a spray of 30 usernames from one address was never slowed")
	}
	if n := e.s.hashes.Load(); n > 1+10 {
		t.Errorf("%d hashes; the address-wide limit is 10", n)
	}
	if _, err := e.login("carol", hardeningPassword, nat); err != nil {
		t.Errorf("carol, who signed in from the NAT before: %v", err)
	}
	_, err := e.login("dave", hardeningPassword, nat)
	mustKind(t, err, errs.TooManyRequests, "a stranger to this address during the spray")
}

// Guessing one account's password from many addresses slows every stranger down, but does not lock
// the owner out of the address they use.
func TestLogin_DistributedGuessingDoesNotLockOutOwner(t *testing.T) {
	t.Parallel()
	e := newHardeningEnv(t, Options{}, "erin")
	const home = "10.0.0.5"
	if _, err := e.login("erin", hardeningPassword, home); err != nil {
		t.Fatal(err)
	}
	before := e.s.hashes.Load()
	var refused int
	for i := range 40 {
		_, err := e.login("erin", "guess-password", fmt.Sprintf("192.0.2.%d", i+1))
		if errs.Is(err, errs.TooManyRequests) {
			refused++
		}
	}
	if hashed := e.s.hashes.Load() - before; hashed > 20 || refused == 0 {
		t.Errorf("40 guesses from 40 addresses: %d hashed, %d refused", hashed, refused)
	}
	if _, err := e.login("erin", hardeningPassword, home); err != nil {
		t.Errorf("the owner from their usual address: %v", err)
	}
	_, err := e.login("erin", hardeningPassword, "198.51.100.99")
	mustKind(t, err, errs.TooManyRequests, "a new address while the account is under attack")
}

// An admin clears a lock; the unlock is audited and only an admin may do it.
func TestService_UnlockAccount(t *testing.T) {
	t.Parallel()
	e := newHardeningEnv(t, Options{}, "frank", "grace")
	const addr = "203.0.113.9"
	for i := range 6 {
		e.login("frank", fmt.Sprintf("wrong-%d", i), addr)
	}
	_, err := e.login("frank", hardeningPassword, addr)
	mustKind(t, err, errs.TooManyRequests, "locked")

	err = e.s.UnlockAccount(e.as("grace", "10.0.0.1"), e.ids["frank"])
	mustKind(t, err, errs.Forbidden, "unlock by a non-admin")
	mustKind(t, e.s.UnlockAccount(e.as("admin", "10.0.0.2"), 999999), errs.NotFound, "unlock of no account")

	if err := e.s.UnlockAccount(e.as("admin", "10.0.0.2"), e.ids["frank"]); err != nil {
		t.Fatal(err)
	}
	if _, err := e.login("frank", hardeningPassword, addr); err != nil {
		t.Errorf("after unlock: %v", err)
	}
	var n int
	if err := e.db.Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'account.unlock' AND entity_id = $1`,
		fmt.Sprint(e.ids["frank"])); err != nil || n != 1 {
		t.Errorf("audit records of the unlock: %d, %v", n, err)
	}
}

// The current-password check of a password change is throttled like a login.
func TestChangeOwnPassword_Throttled(t *testing.T) {
	t.Parallel()
	e := newHardeningEnv(t, Options{}, "heidi")
	ctx := e.as("heidi", "203.0.113.10")
	for i := range 5 {
		err := e.s.ChangeOwnPassword(ctx, fmt.Sprintf("wrong-current-%d", i), "a-new-long-passphrase")
		de := mustKind(t, err, errs.Invalid, "wrong current password")
		if len(de.Fields) != 1 || de.Fields[0].Location != "body.current_password" {
			t.Errorf("fields %+v", de.Fields)
		}
	}
	err := e.s.ChangeOwnPassword(ctx, hardeningPassword, "a-new-long-passphrase")
	if de := mustKind(t, err, errs.TooManyRequests, "right current password after 5 wrong"); de.RetryAfterSeconds < 1 {
		t.Errorf("Retry-After %d", de.RetryAfterSeconds)
	}
}

// Weak passwords are refused with the reason, wherever a password is set.
func TestService_WeakPasswordsRefused(t *testing.T) {
	t.Parallel()
	e := newHardeningEnv(t, Options{}, "ivan")
	weak := map[string]string{
		"aaaaaaaaaa":      "repeated",
		"1234567890":      "sequence",
		"password12":      "common",
		"          ":      "spaces",
		"newbie-rocks-26": "username",
		"qwertyuiop":      "keyboard",
		"0987654321":      "sequence",
		"abababababab":    "repeated",
		"Password123":     "common",
		"woaini1314520":   "common",
		"\t \t \t \t \t ": "spaces",
	}
	for pw, why := range weak {
		_, err := e.s.CreateAccount(systemCtx(), NewAccount{Username: "newbie", DisplayName: "n", Password: pw, Role: auth.RoleFinance})
		de := mustKind(t, err, errs.Invalid, fmt.Sprintf("create with %q", pw))
		if len(de.Fields) != 1 || de.Fields[0].Location != "body.password" || !strings.Contains(de.Fields[0].Message, why) {
			t.Errorf("create with %q: fields %+v, want a reason mentioning %q", pw, de.Fields, why)
		}
		if strings.Contains(fmt.Sprint(de.Fields), pw) && strings.TrimSpace(pw) != "" {
			t.Errorf("the refused password %q is echoed back", pw)
		}
	}
	_, err := e.s.CreateAccount(systemCtx(), NewAccount{Username: "ivan2", DisplayName: "n", Password: "ivan2-secret-x", Role: auth.RoleFinance})
	mustKind(t, err, errs.Invalid, "password containing the new username")

	err = e.s.SetPassword(e.as("admin", "10.0.0.3"), e.ids["ivan"], "1234567890")
	if de := mustKind(t, err, errs.Invalid, "admin reset to a sequence"); de.Fields[0].Location != "body.password" {
		t.Errorf("fields %+v", de.Fields)
	}
	err = e.s.ChangeOwnPassword(e.as("ivan", "10.0.0.4"), hardeningPassword, "ivan-ivan-ivan")
	if de := mustKind(t, err, errs.Invalid, "change to one containing the username"); de.Fields[0].Location != "body.new_password" {
		t.Errorf("fields %+v", de.Fields)
	}
	for _, ok := range []string{"talentd-demo", "test-password-1", "a-long-password", "correct horse battery"} {
		if _, err := e.s.CreateAccount(systemCtx(), NewAccount{Username: "ok-" + strings.ReplaceAll(ok[:4], " ", "-"),
			DisplayName: "ok", Password: ok, Role: auth.RoleFinance}); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
}

// When every hashing slot is taken for longer than the configured wait, a login is answered
// Unavailable with a Retry-After instead of queueing, and account creation likewise.
func TestService_HashingCap(t *testing.T) {
	t.Parallel()
	e := newHardeningEnv(t, Options{HashConcurrency: 1, HashWait: 20 * time.Millisecond}, "judy", "mallory")
	entered, release := make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	e.s.onHash = func() {
		if first.CompareAndSwap(false, true) {
			close(entered)
			<-release
		}
	}
	var releaseOnce sync.Once
	free := func() { releaseOnce.Do(func() { close(release) }) }
	defer free()
	done := make(chan error, 1)
	go func() {
		_, err := e.login("judy", hardeningPassword, "10.0.0.6")
		done <- err
	}()
	<-entered
	_, err := e.login("mallory", hardeningPassword, "10.0.0.7")
	if de := mustKind(t, err, errs.Unavailable, "login while the only hashing slot is held"); de.RetryAfterSeconds < 1 {
		t.Errorf("Retry-After %d", de.RetryAfterSeconds)
	}
	_, err = e.s.CreateAccount(systemCtx(), NewAccount{Username: "newcomer", DisplayName: "n", Password: "a-long-passphrase", Role: auth.RoleFinance})
	mustKind(t, err, errs.Unavailable, "account creation while the only hashing slot is held")
	free()
	if err := <-done; err != nil {
		t.Errorf("the login holding the slot: %v", err)
	}
	// A refusal for want of a slot is not a failed attempt: mallory still has all five.
	if _, err := e.login("mallory", hardeningPassword, "10.0.0.7"); err != nil {
		t.Errorf("after the slot is free: %v", err)
	}
}

// A cached principal never outlives its session.
func TestAuthenticate_SessionExpiryBeatsCache(t *testing.T) {
	t.Parallel()
	e := newHardeningEnv(t, Options{SessionTTL: 3 * time.Second, PrincipalTTL: time.Minute}, "ken")
	sess, err := e.login("ken", hardeningPassword, "10.0.0.8")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Authenticate(context.Background(), sess.Token); err != nil {
		t.Fatal(err)
	}
	e.clock.set(sess.ExpiresAt)
	_, err = e.s.Authenticate(context.Background(), sess.Token)
	mustKind(t, err, errs.Unauthenticated, "at the session's expiry")
}

// A revocation that commits while a request is looking its token up must not leave that request's
// stale principal in the cache.
func TestAuthenticate_RevocationDuringLookup(t *testing.T) {
	t.Parallel()
	e := newHardeningEnv(t, Options{PrincipalTTL: time.Hour}, "liam", "mia", "noah", "olga", "pete")
	admin := e.as("admin", "10.0.0.9")
	newKey := func(user string) (string, int64) {
		k, tok, err := e.s.CreateAPIKey(systemCtx(), e.ids[user], "k", nil)
		if err != nil {
			t.Fatal(err)
		}
		return tok, k.ID
	}
	newSession := func(user string) string {
		s, err := e.login(user, hardeningPassword, "10.0.0.10")
		if err != nil {
			t.Fatal(err)
		}
		return s.Token
	}
	cases := []struct {
		name  string
		token func() (string, func() error)
	}{
		{"revoke API key", func() (string, func() error) {
			tok, id := newKey("liam")
			return tok, func() error { return e.s.RevokeAPIKey(admin, e.ids["liam"], id) }
		}},
		{"disable account", func() (string, func() error) {
			tok, _ := newKey("mia")
			return tok, func() error {
				a, err := e.s.GetAccount(admin, e.ids["mia"])
				if err != nil {
					return err
				}
				_, err = e.s.UpdateAccount(admin, a.ID, a.Version, AccountUpdate{DisplayName: a.DisplayName, Role: a.Role, Active: false})
				return err
			}
		}},
		{"admin password reset", func() (string, func() error) {
			tok := newSession("noah")
			return tok, func() error { return e.s.SetPassword(admin, e.ids["noah"], "a-brand-new-passphrase") }
		}},
		{"logout", func() (string, func() error) {
			tok := newSession("olga")
			return tok, func() error {
				p, err := e.s.Authenticate(context.Background(), tok)
				if err != nil {
					return err
				}
				return e.s.Logout(auth.WithPrincipal(context.Background(), p))
			}
		}},
		{"password change elsewhere", func() (string, func() error) {
			tok := newSession("pete")
			return tok, func() error {
				return e.s.ChangeOwnPassword(e.as("pete", "10.0.0.11"), hardeningPassword, "another-fine-passphrase")
			}
		}},
	}
	for _, c := range cases {
		tok, revoke := c.token()
		var once sync.Once
		e.s.afterPrincipalRead = func() {
			once.Do(func() {
				e.s.afterPrincipalRead = nil
				if err := revoke(); err != nil {
					t.Errorf("%s: %v", c.name, err)
				}
			})
		}
		// This request read the token before the revocation committed; it may go through.
		if _, err := e.s.Authenticate(context.Background(), tok); err != nil {
			t.Fatalf("%s: first request: %v", c.name, err)
		}
		e.s.afterPrincipalRead = nil
		_, err := e.s.Authenticate(context.Background(), tok)
		mustKind(t, err, errs.Unauthenticated, c.name+": the next request")
	}
}

// A session left unused for longer than the idle limit has lapsed, though its TTL has not; one in
// use stays alive for its whole TTL.
func TestAuthenticate_IdleSessionLapses(t *testing.T) {
	t.Parallel()
	e := newHardeningEnv(t, Options{IdleTimeout: 30 * time.Minute, PrincipalTTL: -1}, "ivy")
	sess, err := e.login("ivy", hardeningPassword, "10.0.0.10")
	if err != nil {
		t.Fatal(err)
	}
	start := e.clock.now()
	e.clock.set(start.Add(20 * time.Minute))
	if _, err := e.s.Authenticate(context.Background(), sess.Token); err != nil {
		t.Fatalf("20 minutes after sign-in: %v", err)
	}
	// The use just now counts as activity (kept to the minute in the database's own clock); 31
	// minutes of nothing afterwards end the session.
	var used time.Time
	if err := e.db.Get(&used, `SELECT last_used_at FROM auth_tokens WHERE kind = 'session' AND last_used_at IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	e.clock.set(used.Add(31 * time.Minute))
	_, err = e.s.Authenticate(context.Background(), sess.Token)
	mustKind(t, err, errs.Unauthenticated, "31 idle minutes after the last use")
}
