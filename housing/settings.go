package housing

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"

	"github.com/jmoiron/sqlx"

	"talentd/internal/postgres"
	"talentd/talent"
)

// Settings are the housing office's rules. The newest saved version is in force; a committed
// round keeps a copy of the settings it was ranked under, so its order can be recomputed.
type Settings struct {
	// EligibleGrades are the talent classes that may apply for a talent apartment.
	EligibleGrades []talent.Grade `json:"eligible_grades" minItems:"1" maxItems:"4" uniqueItems:"true"`
	// RentDiscountPercent is the share of the rent waived per class: A 100 (rent-free), B 50, ….
	RentDiscountPercent map[string]int `json:"rent_discount_percent" doc:"Percent of the rent waived per talent class (A–D), 0–100"`
	// RoomsForHousehold says which room counts fit a household of a given size: the first rule
	// whose max_household is at least the household's size applies.
	RoomsForHousehold []RoomsRule `json:"rooms_for_household" minItems:"1" maxItems:"20"`
	// PublicRentalPriority weighs public-rental applicants; a higher score ranks first.
	PublicRentalPriority PriorityWeights `json:"public_rental_priority"`
	// OfferDays is how many days an offer stands before it expires.
	OfferDays int `json:"offer_days" minimum:"1" maximum:"90"`
	// RefusalLimit is how many suitable offers an applicant may refuse before moving to the end of
	// the list; 0 never moves anyone.
	RefusalLimit int `json:"refusal_limit" minimum:"0" maximum:"10"`
	// LeaseMonths is the length of a new lease.
	LeaseMonths int `json:"lease_months" minimum:"1" maximum:"120"`
}

// RoomsRule is one line of the rooms-for-household table.
type RoomsRule struct {
	MaxHousehold int `json:"max_household" minimum:"1" maximum:"20" doc:"Households of at most this many people"`
	MinRooms     int `json:"min_rooms" minimum:"0" maximum:"10"`
	MaxRooms     int `json:"max_rooms" minimum:"0" maximum:"10"`
}

// PriorityWeights score a public-rental applicant: points for working at a key enterprise, per
// household member beyond the first, and for having no housing of their own.
type PriorityWeights struct {
	KeyEnterprise    int `json:"key_enterprise" minimum:"0" maximum:"1000"`
	PerExtraMember   int `json:"per_extra_member" minimum:"0" maximum:"1000"`
	NoCurrentHousing int `json:"no_current_housing" minimum:"0" maximum:"1000"`
}

// DefaultSettings are in force until the office saves its own.
func DefaultSettings() Settings {
	return Settings{
		EligibleGrades:      []talent.Grade{talent.GradeA, talent.GradeB, talent.GradeC, talent.GradeD},
		RentDiscountPercent: map[string]int{"A": 100, "B": 50, "C": 20, "D": 0},
		RoomsForHousehold: []RoomsRule{
			{MaxHousehold: 1, MinRooms: 0, MaxRooms: 1},
			{MaxHousehold: 2, MinRooms: 1, MaxRooms: 2},
			{MaxHousehold: 4, MinRooms: 2, MaxRooms: 3},
			{MaxHousehold: 20, MinRooms: 3, MaxRooms: 10},
		},
		PublicRentalPriority: PriorityWeights{KeyEnterprise: 10, PerExtraMember: 2, NoCurrentHousing: 5},
		OfferDays:            14,
		RefusalLimit:         3,
		LeaseMonths:          36,
	}
}

// Eligible reports whether a talent of grade g may apply for a talent apartment.
func (st Settings) Eligible(g talent.Grade) bool { return slices.Contains(st.EligibleGrades, g) }

// Fits reports whether a unit of rooms rooms fits a household of size people.
func (st Settings) Fits(rooms, size int) bool {
	for _, r := range st.RoomsForHousehold {
		if size <= r.MaxHousehold {
			return rooms >= r.MinRooms && rooms <= r.MaxRooms
		}
	}
	return false
}

// DiscountedRent is the monthly rent a talent of grade g pays for a unit of rent fen: the
// discount is applied in integer fen, rounding the waived part down (the tenant never pays less
// than the table says).
func (st Settings) DiscountedRent(rent int64, g talent.Grade) int64 {
	pct := st.RentDiscountPercent[string(g)]
	return rent - rent*int64(pct)/100
}

const selectSettings = `SELECT settings FROM housing_settings ORDER BY id DESC LIMIT 1`

// settingsInForce reads the newest saved settings, or the defaults when none were saved.
func settingsInForce(ctx context.Context, q sqlx.QueryerContext) (Settings, error) {
	var raw []byte
	err := sqlx.GetContext(ctx, q, &raw, selectSettings)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultSettings(), nil
	}
	if err != nil {
		return Settings{}, postgres.Translate(err, "housing settings")
	}
	st := DefaultSettings()
	if err := json.Unmarshal(raw, &st); err != nil {
		return Settings{}, err
	}
	return st, nil
}
