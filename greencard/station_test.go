package greencard

import (
	"context"
	"errors"
	"testing"
	"time"

	"talentd/internal/auth"
	"talentd/talent"
)

// windowAccount creates a service window account and returns a context signed in as it.
func (f *fixture) windowAccount(t *testing.T, username string) context.Context {
	t.Helper()
	var id int64
	if err := f.db.Get(&id, `INSERT INTO accounts (username, display_name, role, password_hash)
		VALUES ($1, $1, 'service_window', 'unused') RETURNING id`, username); err != nil {
		t.Fatal(err)
	}
	return auth.WithPrincipal(context.Background(), auth.Principal{AccountID: id, Username: username, Role: auth.RoleServiceWindow})
}

func remainingOf(v Verification, code string) int {
	for _, s := range v.Services {
		if s.Code == code && s.Remaining != nil {
			return *s.Remaining
		}
	}
	return -1
}

// TestStation_AvailabilityAndDay: a window sees a card it verified today as it stands after each
// action, without another line in the verification log, and its own day counts its scans and
// uses — not another window's, and not yesterday's.
func TestStation_AvailabilityAndDay(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	w1, w2 := f.windowAccount(t, "window-1"), f.windowAccount(t, "window-2")
	c := f.card(t, f.register(t, talent.GradeC).ID)

	if _, err := f.cards.Availability(w1, c.Serial); !errors.Is(err, ErrCardNotVerifiedToday) {
		t.Fatalf("availability before a scan: %v", err)
	}
	if _, err := f.cards.Verify(w1, VerifyInput{Token: &c.Token}); err != nil {
		t.Fatal(err)
	}
	day, err := f.cards.StationToday(w1)
	if err != nil || day.Scans != 1 || day.Valid != 1 || day.Invalid != 0 || day.Uses != 0 || len(day.RecentUses) != 0 {
		t.Fatalf("the day after a scan: %+v %v", day, err)
	}

	if _, err := f.cards.RecordUseOf(w1, UseInput{CardSerial: c.Serial, Service: "health_check"}); err != nil {
		t.Fatal(err)
	}
	v, err := f.cards.Availability(w1, c.Serial)
	if err != nil || !v.Valid || v.Card.Serial != c.Serial || v.Message == "" || remainingOf(v, "health_check") != 0 ||
		remainingOf(v, "medical_green_channel") != 12 {
		t.Fatalf("availability after a use: %+v %v", v, err)
	}
	day, err = f.cards.StationToday(w1)
	if err != nil || day.Scans != 1 || day.Uses != 1 || len(day.RecentUses) != 1 || day.RecentUses[0].ServiceName != "健康体检" {
		t.Fatalf("the day after a use: %+v %v", day, err)
	}
	if _, err := f.cards.VoidUse(w1, day.RecentUses[0].ID, "登记错误"); err != nil {
		t.Fatal(err)
	}
	if v, _ := f.cards.Availability(w1, c.Serial); remainingOf(v, "health_check") != 1 {
		t.Errorf("availability after the void: %+v", v.Services)
	}
	day, _ = f.cards.StationToday(w1)
	if day.Uses != 0 || day.Voided != 1 || len(day.RecentUses) != 1 || day.RecentUses[0].Status != UseVoided {
		t.Errorf("the day after the void: %+v", day)
	}
	var lines int
	if err := f.db.Get(&lines, `SELECT count(*) FROM card_verifications`); err != nil || lines != 1 {
		t.Errorf("%d verification log lines, want the one scan (%v)", lines, err)
	}

	// Another window did nothing today and never saw the card.
	if day, _ := f.cards.StationToday(w2); day.Scans != 0 || day.Uses != 0 || len(day.RecentUses) != 0 {
		t.Errorf("another window's day: %+v", day)
	}
	if _, err := f.cards.Availability(w2, c.Serial); !errors.Is(err, ErrCardNotVerifiedToday) {
		t.Errorf("another window's availability: %v", err)
	}
	// HR verifies nothing.
	hr := auth.WithPrincipal(context.Background(), auth.Principal{Username: "hr", Role: auth.RoleEnterpriseHR, EnterpriseID: 1})
	if _, err := f.cards.StationToday(hr); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("HR's day: %v", err)
	}

	// The next day starts empty.
	f.nowLock.Lock()
	f.now = f.now.Add(24 * time.Hour)
	f.nowLock.Unlock()
	if day, _ := f.cards.StationToday(w1); day.Scans != 0 || day.Uses != 0 || len(day.RecentUses) != 0 {
		t.Errorf("the next day: %+v", day)
	}
	if _, err := f.cards.Availability(w1, c.Serial); !errors.Is(err, ErrCardNotVerifiedToday) {
		t.Errorf("availability the next day: %v", err)
	}
}
