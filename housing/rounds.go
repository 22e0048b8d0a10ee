package housing

import (
	"time"

	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/vocab"
)

// seedPurpose binds a sealed round seed to its column (see fieldcrypt.Ring.Seal).
const seedPurpose = "housing.round_seed"

// maxRoundUnits bounds the units of one round.
const maxRoundUnits = 20000

// Round is an allocation round (配租批次) over a set of units of one kind. Its seed is committed by
// its SHA-256 when the round opens and revealed when the round is committed, so that anyone can
// recompute the ranking from the published inputs.
type Round struct {
	ID         int64       `json:"id"`
	Kind       Kind        `json:"kind"`
	Title      string      `json:"title"`
	Status     RoundStatus `json:"status"`
	SeedSHA256 string      `json:"seed_sha256" doc:"Hex SHA-256 of the seed, published before anyone is ranked"`
	Seed       string      `json:"seed,omitempty" doc:"Hex seed (32 bytes), revealed once the round is committed"`
	UnitIDs    []int64     `json:"unit_ids,omitempty" doc:"The round's units (absent from listings)"`
	UnitCount  int         `json:"unit_count"`
	OfferCount int         `json:"offer_count" doc:"Offers made by the round, cascades included"`
	// Settings are the rules the round was ranked under, kept when it was committed.
	Settings    *Settings  `json:"settings,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	CommittedAt *time.Time `json:"committed_at,omitempty"`
	Version     int        `json:"version"`
}

// RoundInput opens a round.
type RoundInput struct {
	Kind    Kind
	Title   string
	UnitIDs []int64
}

// RankingEntry is one applicant's line of a round's ranking: the inputs the place was computed
// from and the unit proposed (preview) or offered (committed round), or why there is none.
type RankingEntry struct {
	Rank           int        `json:"rank"`
	ApplicationID  int64      `json:"application_id"`
	Name           string     `json:"name" doc:"Masked: the surname and one * per further character"`
	Grade          string     `json:"grade,omitempty" doc:"Talent class (talent apartments)"`
	Priority       int        `json:"priority" doc:"Priority score (public rental)"`
	KeyEnterprise  bool       `json:"key_enterprise" doc:"Works at a key enterprise (public rental priority)"`
	NoHousing      bool       `json:"no_current_housing" doc:"Has no housing of their own (public rental priority)"`
	Refusals       int        `json:"refusals"`
	Late           bool       `json:"late" doc:"Refusals reached the limit: ranked after everyone else"`
	AppliedOn      civil.Date `json:"applied_on" doc:"District date of the application"`
	HouseholdSize  int        `json:"household_size"`
	PreferredRooms []int64    `json:"preferred_rooms"`
	Ticket         string     `json:"ticket,omitempty" doc:"Hex SHA-256(seed ‖ \":\" ‖ application id); published with the seed"`
	UnitID         *int64     `json:"unit_id,omitempty"`
	Reason         string     `json:"reason,omitempty" doc:"Why no unit: no_fitting_unit or no_preferred_unit"`
	ReasonText     string     `json:"reason_text,omitempty"`
}

// Ranking is a round's ranking: a preview (nothing stored) or the published list of a committed
// round, with everything needed to recompute it.
type Ranking struct {
	RoundID    int64          `json:"round_id"`
	Kind       Kind           `json:"kind"`
	Status     RoundStatus    `json:"status"`
	SeedSHA256 string         `json:"seed_sha256"`
	Seed       string         `json:"seed,omitempty"`
	Settings   *Settings      `json:"settings,omitempty" doc:"The rules ranked under (absent while a round is open)"`
	Entries    []RankingEntry `json:"entries"`
}

// The reasons an applicant gets no unit, as people read them.
var noUnitReasons = vocab.NewList("housing_no_unit_reason",
	vocab.T(reasonNoFittingUnit, "本批次已无适合该家庭人数的房源", "no unit of a size that fits the household is left"),
	vocab.T(reasonNoPreferredUnit, "本批次剩余的适合房源均不符合所选户型", "units that fit are left, but none with a preferred number of rooms"),
)

// Errors of allocation rounds.
var (
	ErrRoundNotOpen = errs.New(errs.Conflict, "round_not_open", "该配租批次已确定或已取消，不能再预览或修改",
		"the round is committed or cancelled already")
	errRoundSeed = errs.New(errs.Internal, "round_seed_unreadable", "配租批次的随机种子无法解密", "the round's seed cannot be opened")
)
