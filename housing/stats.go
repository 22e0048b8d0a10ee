package housing

// HousingStats are the housing figures: the inventory by kind and status, occupancy, the people
// housed, the waiting list and how each round's offers ended. For HR the leases, applications and
// offers counted are its own enterprise's; the inventory is the district's.
type HousingStats struct {
	Units             []UnitCount       `json:"units" doc:"Units by kind and status (district-wide)"`
	Kinds             []KindStats       `json:"kinds" doc:"Figures per kind of housing"`
	ResidentsHoused   int               `json:"residents_housed" doc:"Residents of active leases"`
	EnterprisesServed int               `json:"enterprises_served" doc:"Distinct enterprises on active leases"`
	Rounds            []RoundOfferStats `json:"rounds" doc:"How the offers of each allocation round ended, newest round first"`
}

// UnitCount is the number of units of one kind in one status.
type UnitCount struct {
	Kind   Kind       `db:"kind" json:"kind"`
	Status UnitStatus `db:"status" json:"status"`
	Count  int        `db:"count" json:"count"`
}

// KindStats are the figures of one kind of housing.
type KindStats struct {
	Kind          Kind    `db:"kind" json:"kind"`
	Units         int     `db:"units" json:"units"`
	Occupied      int     `db:"occupied" json:"occupied"`
	Maintenance   int     `db:"maintenance" json:"maintenance"`
	OccupancyRate float64 `db:"occupancy_rate" json:"occupancy_rate" doc:"Occupied units over units in use (all but those in maintenance), 0–1"`
	Leases        int     `db:"leases" json:"leases" doc:"Active leases"`
	Residents     int     `db:"residents" json:"residents" doc:"Residents of active leases"`
	Waiting       int     `db:"waiting" json:"waiting" doc:"Pending applications (the waiting list)"`
	MedianWait    float64 `db:"median_wait_days" json:"median_wait_days" doc:"Median days the pending applications have waited, to today in the district"`
}

// RoundOfferStats count how one round's offers ended.
type RoundOfferStats struct {
	RoundID          int64          `db:"round_id" json:"round_id"`
	Title            string         `db:"title" json:"title"`
	Kind             Kind           `db:"kind" json:"kind"`
	Status           RoundStatus    `db:"status" json:"status"`
	Offers           int            `db:"offers" json:"offers"`
	Open             int            `db:"open" json:"open" doc:"Offers still awaiting an answer"`
	Accepted         int            `db:"accepted" json:"accepted"`
	Declined         int            `db:"declined" json:"declined"`
	Expired          int            `db:"expired" json:"expired"`
	DeclinedByReason map[string]int `db:"-" json:"declined_by_reason" doc:"Declined offers by reason code"`
}
