package greencard

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base32"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/auth"
	"talentd/internal/cardtoken"
	"talentd/internal/errs"
	"talentd/internal/fieldcrypt"
	"talentd/internal/pgtest"
	"talentd/talent"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var officer = auth.Principal{Username: "office", Role: auth.RoleTalentOffice}

type fixture struct {
	db      *sqlx.DB
	reg     *talent.Service
	cards   *Service
	ctx     context.Context
	gen     *talent.Generator
	now     time.Time
	nowLock sync.Mutex
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := pgtest.New(t)
	ring, err := fieldcrypt.NewRing(bytes.Repeat([]byte{1}, 32), nil, bytes.Repeat([]byte{2}, 32))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, reg: talent.NewService(db, ring), ctx: auth.WithPrincipal(context.Background(), officer),
		gen: talent.NewGenerator(42), now: time.Now()}
	f.cards = NewService(db, ring, f.reg, Options{Now: func() time.Time {
		f.nowLock.Lock()
		defer f.nowLock.Unlock()
		return f.now
	}})
	f.reg.SetHooks(f.cards.Hooks())
	return f
}

// register takes a generated talent of the grade through the workflow; the hook issues its card.
func (f *fixture) register(t *testing.T, aim talent.Grade) talent.Talent {
	t.Helper()
	in := f.gen.Talent(aim, nil)
	tl, err := f.reg.CreateTalent(f.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.reg.Submit(f.ctx, tl.ID); err != nil {
		t.Fatal(err)
	}
	if tl, err = f.reg.Approve(f.ctx, tl.ID); err != nil {
		t.Fatal(err)
	}
	return tl
}

func (f *fixture) card(t *testing.T, talentID int64) Card {
	t.Helper()
	c, err := f.cards.CardOfTalent(f.ctx, talentID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) verdict(t *testing.T, token string) Verification {
	t.Helper()
	v, err := f.cards.Verify(f.ctx, VerifyInput{Token: &token, Window: "测试窗口"})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestVerify_EveryReason reaches every verdict through a real scenario.
func TestVerify_EveryReason(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tl := f.register(t, talent.GradeC)
	c := f.card(t, tl.ID)
	if c.Grade != "C" || c.CurrentVersion != 1 || c.Status != CardActive {
		t.Fatalf("issued card: %+v", c)
	}

	v := f.verdict(t, c.Token)
	if !v.Valid || v.Reason != ReasonValid || v.Card.Class != "C" || v.Holder == nil || len(v.Services) == 0 {
		t.Fatalf("valid card: %+v", v)
	}
	if []rune(v.Holder.Name)[0] != []rune(tl.Name)[0] || v.Holder.Name == tl.Name {
		t.Errorf("holder name must be masked: %q", v.Holder.Name)
	}
	for _, s := range v.Services {
		if s.Code == "spouse_employment" {
			t.Error("a class C card lists a service only A and B may use")
		}
	}

	check := func(what, token string, want Reason) {
		t.Helper()
		if v := f.verdict(t, token); v.Valid || v.Reason != want {
			t.Errorf("%s: got %v %s, want %s", what, v.Valid, v.Reason, want)
		}
	}
	check("empty", "", ReasonMalformed)
	check("garbage", "hello, world", ReasonMalformed)
	check("truncated", c.Token[:len(c.Token)-5], ReasonMalformed)

	// A token signed by a key the district never had.
	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	claims, _ := cardtoken.Parse(c.Token)
	foreign := claims
	foreign.KeyID = cardtoken.KeyIDOf(stranger.Public().(ed25519.PublicKey))
	tok, err := cardtoken.Sign(foreign, stranger)
	if err != nil {
		t.Fatal(err)
	}
	check("unknown key", tok, ReasonUnknownKey)
	// A forger who keeps the real key id but cannot sign: the signature's last byte altered.
	b32 := base32.StdEncoding.WithPadding(base32.NoPadding)
	raw, err := b32.DecodeString(c.Token)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-1] ^= 0x01
	check("bad signature", b32.EncodeToString(raw), ReasonBadSignature)

	// Our key, a serial that does not exist.
	_, priv, err := f.cards.keys.signer(f.ctx, f.db)
	if err != nil {
		t.Fatal(err)
	}
	ghost := claims
	ghost.Serial = "BS-1999-999999"
	tok, _ = cardtoken.Sign(ghost, priv)
	check("not found", tok, ReasonNotFound)

	// Reissue: the old QR is superseded, the new one verifies.
	re, err := f.cards.Reissue(f.ctx, tl.ID, "遗失补办")
	if err != nil {
		t.Fatal(err)
	}
	if re.Serial != c.Serial || re.CurrentVersion != 2 {
		t.Errorf("reissue: %+v", re)
	}
	check("superseded", c.Token, ReasonSuperseded)
	if v := f.verdict(t, re.Token); !v.Valid {
		t.Errorf("reissued card: %+v", v)
	}

	// Suspension, resumption, revocation.
	if _, err := f.cards.SetStatus(f.ctx, re.Serial, CardSuspended, "挂失"); err != nil {
		t.Fatal(err)
	}
	check("suspended", re.Token, ReasonSuspended)
	if _, err := f.cards.SetStatus(f.ctx, re.Serial, CardActive, "找回"); err != nil {
		t.Fatal(err)
	}
	if v := f.verdict(t, re.Token); !v.Valid {
		t.Errorf("resumed card: %+v", v)
	}

	// Expiry: the same card, some years on.
	f.nowLock.Lock()
	f.now = f.now.AddDate(4, 0, 0)
	f.nowLock.Unlock()
	check("expired", re.Token, ReasonExpired)
	f.nowLock.Lock()
	f.now = time.Now()
	f.nowLock.Unlock()

	if _, err := f.cards.SetStatus(f.ctx, re.Serial, CardRevoked, "违规使用"); err != nil {
		t.Fatal(err)
	}
	check("revoked", re.Token, ReasonRevoked)
	if _, err := f.cards.SetStatus(f.ctx, re.Serial, CardActive, "x"); errs.KindOf(err) != errs.Conflict {
		t.Errorf("a revoked card must not come back: %v", err)
	}

	// Every verdict was logged, never with the token.
	f.cards.FlushVerificationLog()
	var n int
	if err := f.db.Get(&n, `SELECT count(*) FROM card_verifications`); err != nil || n < 12 {
		t.Errorf("%d verifications logged", n)
	}
	var leaked bool
	if err := f.db.Get(&leaked, `SELECT EXISTS (SELECT 1 FROM card_verifications x WHERE x::text LIKE '%' || $1 || '%')`, c.Token[:40]); err != nil || leaked {
		t.Errorf("the token reached the verification log: %v", err)
	}

	// The revocation list carries the changes for offline clients.
	list, err := f.cards.Revocations(f.ctx, RevocationQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[RevocationReason]bool{}
	for _, r := range list.Items {
		reasons[r.Reason] = true
	}
	if !reasons["superseded"] || !reasons["revoked"] {
		t.Errorf("revocations: %+v", list)
	}
}

// TestCards_GradeChangeAndLeaving: the registry's hooks reissue on a grade change and revoke when
// the talent leaves, inside its own transactions.
func TestCards_GradeChangeAndLeaving(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tl := f.register(t, talent.GradeD)
	before := f.card(t, tl.ID)
	if _, err := f.reg.OverrideGrade(f.ctx, tl.ID, talent.GradeB, "特殊贡献"); err != nil {
		t.Fatal(err)
	}
	after := f.card(t, tl.ID)
	if after.Grade != "B" || after.CurrentVersion != before.CurrentVersion+1 || after.Serial != before.Serial {
		t.Errorf("after override: %+v", after)
	}
	if v := f.verdict(t, before.Token); v.Reason != ReasonSuperseded {
		t.Errorf("old class card: %s", v.Reason)
	}
	if _, err := f.reg.Leave(f.ctx, tl.ID, "调离"); err != nil {
		t.Fatal(err)
	}
	if v := f.verdict(t, after.Token); v.Reason != ReasonRevoked {
		t.Errorf("card of a talent who left: %s", v.Reason)
	}
	// The card of a talent who left stays on record, revoked.
	if c, err := f.cards.CardOfTalent(f.ctx, tl.ID); err != nil || c.Serial != after.Serial || c.Status != CardRevoked {
		t.Errorf("the card of a talent who left: %+v %v", c, err)
	}
}

// TestKeys_Rotation: after a rotation new cards use the new key, old cards still verify, and the
// key set lists both.
func TestKeys_Rotation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	old := f.card(t, f.register(t, talent.GradeD).ID)
	if _, err := f.cards.RotateKey(f.ctx); !errs.Is(err, errs.Forbidden) {
		t.Errorf("the office rotated the signing key: %v", err)
	}
	admin := auth.WithPrincipal(context.Background(), auth.Principal{Username: "admin", Role: auth.RoleAdmin})
	k, err := f.cards.RotateKey(admin)
	if err != nil {
		t.Fatal(err)
	}
	fresh := f.card(t, f.register(t, talent.GradeD).ID)
	if fresh.KeyID != k.KeyID || old.KeyID == k.KeyID {
		t.Errorf("keys: old %d, rotated %d, new card %d", old.KeyID, k.KeyID, fresh.KeyID)
	}
	for _, c := range []Card{old, fresh} {
		if v := f.verdict(t, c.Token); !v.Valid {
			t.Errorf("card under key %d: %s", c.KeyID, v.Reason)
		}
	}
	jwks, err := f.cards.JWKS(f.ctx)
	if err != nil || len(jwks) != 2 || jwks[0].Status != "active" || jwks[1].Status != "retired" {
		t.Errorf("jwks: %+v %v", jwks, err)
	}
	// The private keys are sealed at rest.
	var raw []byte
	if err := f.db.Get(&raw, `SELECT string_agg(private_key_cipher, '') FROM signing_keys`); err != nil {
		t.Fatal(err)
	}
	_, priv, _ := f.cards.keys.signer(f.ctx, f.db)
	if bytes.Contains(raw, priv.Seed()) {
		t.Error("a signing key is stored in plain")
	}
}

// TestUses_QuotaRace: many windows record the last unit of a quota at once; exactly one wins.
func TestUses_QuotaRace(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.card(t, f.register(t, talent.GradeC).ID)
	window := auth.WithPrincipal(context.Background(), auth.Principal{Username: "window", Role: auth.RoleServiceWindow})
	const racers = 12
	var wg sync.WaitGroup
	results := make([]error, racers)
	start := make(chan struct{})
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, results[i] = f.cards.RecordUse(window, c.Token, "health_check", "体检中心", "")
		}()
	}
	close(start)
	wg.Wait()
	won := 0
	for _, err := range results {
		switch {
		case err == nil:
			won++
		case err != ErrQuotaExhausted:
			t.Errorf("unexpected: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d uses of a quota of one", won)
	}
	var n int
	if err := f.db.Get(&n, `SELECT count(*) FROM service_uses`); err != nil || n != 1 {
		t.Errorf("%d uses recorded", n)
	}
	if v := f.verdict(t, c.Token); func() int {
		for _, s := range v.Services {
			if s.Code == "health_check" {
				return *s.Remaining
			}
		}
		return -1
	}() != 0 {
		t.Error("verification must show no health check left")
	}
	// Ineligible class and unknown service.
	if _, err := f.cards.RecordUse(window, c.Token, "spouse_employment", "", ""); err != ErrNotEligible {
		t.Errorf("ineligible: %v", err)
	}
	if _, err := f.cards.RecordUse(window, c.Token, "no_such_service", "", ""); err != ErrServiceUnknown {
		t.Errorf("unknown service: %v", err)
	}
	if _, err := f.cards.RecordUse(window, "garbage", "transport", "", ""); errs.KindOf(err) != errs.Conflict {
		t.Errorf("invalid card: %v", err)
	}
}

func TestMaskName(t *testing.T) {
	for in, want := range map[string]string{"张伟": "张*", "王小明": "王**", "欧阳娜娜": "欧阳**", "李": "李*"} {
		if got := maskName(in); got != want {
			t.Errorf("maskName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseValidity(t *testing.T) {
	v, err := ParseValidity("A=10, d=2")
	if err != nil || v["A"] != 10 || v["D"] != 2 || v["B"] != 5 {
		t.Errorf("%v %v", v, err)
	}
	for _, bad := range []string{"E=3", "A=0", "A", "A=x"} {
		if _, err := ParseValidity(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
