package civil

import (
	"testing"
	"time"
)

func TestDate_AddYears(t *testing.T) {
	for _, tc := range []struct {
		from  Date
		years int
		want  Date
	}{
		{New(2024, time.February, 29), 1, New(2025, time.February, 28)},
		{New(2024, time.February, 29), 3, New(2027, time.February, 28)},
		{New(2024, time.February, 29), 4, New(2028, time.February, 29)},
		{New(2024, time.February, 29), 76, New(2100, time.February, 28)}, // 2100 is not a leap year
		{New(2024, time.February, 28), 5, New(2029, time.February, 28)},
		{New(2024, time.March, 1), 5, New(2029, time.March, 1)},
		{New(2023, time.December, 31), 2, New(2025, time.December, 31)},
		{New(2028, time.February, 29), -4, New(2024, time.February, 29)},
		{New(2028, time.February, 29), -1, New(2027, time.February, 28)},
	} {
		if got := tc.from.AddYears(tc.years); got != tc.want {
			t.Errorf("%s + %d years = %s, want %s", tc.from, tc.years, got, tc.want)
		}
	}
}
