package greencard

import (
	"errors"
	"testing"
	"time"

	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/idempotency"
	"talentd/talent"
)

// TestUses_OfflineTime: a use the window made offline keeps its time within bounds and counts
// against the quota of the district year it was made in, not the year it arrived.
func TestUses_OfflineTime(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.card(t, f.register(t, talent.GradeC).ID)
	window := f.windowAccount(t, "window-offline")

	// Ten minutes into New Year's Day in the district; the use was made twenty minutes earlier.
	newYear := time.Date(time.Now().Year()+1, time.January, 1, 0, 10, 0, 0, civil.District)
	f.setNow(newYear)
	lastYear := newYear.Year() - 1
	offline := newYear.Add(-20 * time.Minute)

	for name, at := range map[string]time.Time{
		"ahead":    newYear.Add(MaxUseAhead + time.Second),
		"too old":  newYear.Add(-MaxUseDelay - time.Second),
		"year one": {},
	} {
		_, err := f.cards.RecordUseOf(window, UseInput{Token: c.Token, Service: "health_check", UsedAt: &at})
		if want := map[string]error{"ahead": errUsedAtAhead}[name]; want == nil && !errors.Is(err, errUsedAtTooOld) ||
			want != nil && !errors.Is(err, want) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := f.uses(t); n != 0 {
		t.Fatalf("%d uses recorded by refused requests", n)
	}

	u, err := f.cards.RecordUseOf(window, UseInput{Token: c.Token, Service: "health_check", UsedAt: &offline})
	if err != nil {
		t.Fatal(err)
	}
	if !u.UsedAt.Equal(offline) || u.Year != lastYear || !u.ReceivedAt.After(u.UsedAt) {
		t.Errorf("offline use: used at %s, received at %s, year %d; want used at %s in %d", u.UsedAt, u.ReceivedAt, u.Year, offline, lastYear)
	}
	// Last year's one health check is spent, offline too; this year's is still there.
	earlier := offline.Add(-time.Minute)
	if _, err := f.cards.RecordUseOf(window, UseInput{Token: c.Token, Service: "health_check", UsedAt: &earlier}); err != ErrQuotaExhausted {
		t.Errorf("a second offline use last year: %v, want %v", err, ErrQuotaExhausted)
	}
	now, err := f.cards.RecordUseOf(window, UseInput{Token: c.Token, Service: "health_check"})
	if err != nil {
		t.Fatalf("this year's health check: %v", err)
	}
	if now.Year != newYear.Year() {
		t.Errorf("an online use counts in %d, want %d", now.Year, newYear.Year())
	}
	var years []int
	if err := f.db.Select(&years, `SELECT year FROM service_quota_usage WHERE service_code = 'health_check' ORDER BY year`); err != nil {
		t.Fatal(err)
	}
	if len(years) != 2 || years[0] != lastYear || years[1] != newYear.Year() {
		t.Errorf("quota rows for years %v", years)
	}
}

// TestUses_IdempotencyKey: a use sent again under its key is recorded once and answered the same;
// the key with other content is refused.
func TestUses_IdempotencyKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.card(t, f.register(t, talent.GradeB).ID)
	window := f.windowAccount(t, "window-offline")
	p, _ := auth.MustPrincipal(window)
	at := f.now.Add(-time.Hour)
	request := func(key string, body any) *idempotency.Request {
		fp, err := idempotency.Fingerprint("POST", "/v1/greencard/uses", body)
		if err != nil {
			t.Fatal(err)
		}
		return &idempotency.Request{Key: idempotency.Key{Account: p.AccountID, Operation: "record-service-use", Key: key}, Fingerprint: fp}
	}
	in := UseInput{Token: c.Token, Service: "transport", UsedAt: &at, Request: request("k-1", map[string]any{"service": "transport"})}
	first, err := f.cards.RecordUseOf(window, in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.cards.RecordUseOf(window, in)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first.ID || !again.UsedAt.Equal(first.UsedAt) {
		t.Errorf("the retry answered use %d at %s, want %d at %s", again.ID, again.UsedAt, first.ID, first.UsedAt)
	}
	in.Request = request("k-1", map[string]any{"service": "culture_parks"})
	if _, err := f.cards.RecordUseOf(window, in); !errors.Is(err, idempotency.ErrKeyReused) {
		t.Errorf("the key with another request: %v", err)
	}
	if n := f.uses(t); n != 1 {
		t.Errorf("%d uses recorded, want 1", n)
	}
	var audits int
	if err := f.db.Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'service_use.record'`); err != nil {
		t.Fatal(err)
	}
	if audits != 1 {
		t.Errorf("%d audit entries, want 1", audits)
	}
}

func (f *fixture) uses(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.db.Get(&n, `SELECT count(*) FROM service_uses`); err != nil {
		t.Fatal(err)
	}
	return n
}
