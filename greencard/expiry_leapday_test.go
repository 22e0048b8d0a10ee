package greencard

import (
	"testing"
	"time"

	"talentd/internal/civil"
	"talentd/talent"
)

// TestCards_ExpiryOfALeapDayIssue: a card issued on 29 February is valid through 28 February of a
// common year N years on (the anniversary does not exist there), never into March; in a leap year
// it is valid through 29 February.
func TestCards_ExpiryOfALeapDayIssue(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Late in the evening of 29 February in the district (already 1 March in no zone that matters).
	f.setNow(time.Date(2024, 2, 29, 22, 30, 0, 0, civil.District))
	for _, tc := range []struct {
		grade talent.Grade
		want  civil.Date
	}{
		{talent.GradeA, civil.New(2029, time.February, 28)}, // 5 years: 2029 is a common year
		{talent.GradeC, civil.New(2027, time.February, 28)}, // 3 years
	} {
		c := f.card(t, f.register(t, tc.grade).ID)
		if c.Grade != string(tc.grade) {
			t.Fatalf("aimed at %s, issued %s", tc.grade, c.Grade)
		}
		if c.ExpiresOn != tc.want {
			t.Errorf("class %s issued 2024-02-29: expires %s, want %s", tc.grade, c.ExpiresOn, tc.want)
		}
		// The window sees the card valid on its last day and expired the day after.
		lastEvening := time.Date(tc.want.Time().Year(), tc.want.Time().Month(), tc.want.Time().Day(), 23, 0, 0, 0, civil.District)
		f.setNow(lastEvening)
		if v := f.verdict(t, c.Token); !v.Valid {
			t.Errorf("class %s on its last day %s: %s", tc.grade, tc.want, v.Reason)
		}
		f.setNow(lastEvening.Add(2 * time.Hour))
		if v := f.verdict(t, c.Token); v.Valid || v.Reason != ReasonExpired {
			t.Errorf("class %s the day after %s: %v %s", tc.grade, tc.want, v.Valid, v.Reason)
		}
		f.setNow(time.Date(2024, 2, 29, 22, 30, 0, 0, civil.District))
	}

	// Four years on is a leap year again: the anniversary exists and is the last day.
	f.cards.opts.ValidityYears = map[string]int{"A": 4, "B": 4, "C": 4, "D": 4}
	c := f.card(t, f.register(t, talent.GradeD).ID)
	if want := civil.New(2028, time.February, 29); c.ExpiresOn != want {
		t.Errorf("4 years from 2024-02-29: expires %s, want %s", c.ExpiresOn, want)
	}
}

// setNow moves the service's clock.
func (f *fixture) setNow(t time.Time) {
	f.nowLock.Lock()
	defer f.nowLock.Unlock()
	f.now = t
}
