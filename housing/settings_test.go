package housing

import (
	"testing"

	"talentd/talent"
)

func TestSettings_FitsAndRent(t *testing.T) {
	st := DefaultSettings()
	for _, c := range []struct {
		rooms, size int
		fits        bool
	}{{0, 1, true}, {1, 1, true}, {2, 1, false}, {1, 2, true}, {1, 3, false}, {2, 4, true}, {3, 5, true}, {2, 5, false}, {4, 21, false}} {
		if got := st.Fits(c.rooms, c.size); got != c.fits {
			t.Errorf("Fits(%d rooms, %d people) = %v", c.rooms, c.size, got)
		}
	}
	for _, c := range []struct {
		rent int64
		g    talent.Grade
		want int64
	}{{150000, talent.GradeA, 0}, {150001, talent.GradeB, 75001}, {99999, talent.GradeC, 80000}, {120000, talent.GradeD, 120000}} {
		if got := st.DiscountedRent(c.rent, c.g); got != c.want {
			t.Errorf("DiscountedRent(%d, %s) = %d, want %d", c.rent, c.g, got, c.want)
		}
	}
	if !st.Eligible(talent.GradeD) {
		t.Error("every class is eligible by default")
	}
}
