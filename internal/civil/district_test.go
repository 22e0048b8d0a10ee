package civil

import (
	"testing"
	"time"
)

// The fixed zone and the named zone given to PostgreSQL must name the same offset, or dates decided
// in Go and in SQL would part at midnight.
func TestDistrict_MatchesNamedZone(t *testing.T) {
	named, err := time.LoadLocation(DistrictZoneSQL)
	if err != nil {
		t.Skipf("no time-zone database here: %v", err)
	}
	for _, at := range []time.Time{
		time.Date(2026, 1, 15, 16, 30, 0, 0, time.UTC),
		time.Date(2026, 7, 15, 15, 59, 0, 0, time.UTC),
		time.Date(2030, 3, 31, 16, 0, 0, 0, time.UTC),
	} {
		if Of(at.In(District)) != Of(at.In(named)) {
			t.Errorf("%s: district %s, %s %s", at, Of(at.In(District)), DistrictZoneSQL, Of(at.In(named)))
		}
	}
	if got := InDistrict(time.Date(2026, 11, 26, 16, 0, 0, 0, time.UTC)); got != New(2026, 11, 27) {
		t.Errorf("16:00 UTC is already the next day in the district, got %s", got)
	}
}
