// Package housing allocates the district's talent apartments (人才公寓) and public rental units
// (公租房): the inventory of estates and units, applications, allocation rounds (配租) ranked with a
// committed random seed, offers and leases. It reads talents and enterprises from the registry and
// hears its hooks; it never gives one unit to two households (the database holds that invariant).
package housing

import (
	"time"

	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/money"
)

// Kind is the kind of housing: talent apartments for registered talent, public rental units for
// enterprises' workers.
type Kind string

// The kinds of housing.
const (
	KindTalentApartment Kind = "talent_apartment"
	KindPublicRental    Kind = "public_rental"
)

// UnitStatus is where a unit stands: available to a round, held by an offer, let, or out of use.
type UnitStatus string

// Unit statuses.
const (
	UnitAvailable   UnitStatus = "available"
	UnitOffered     UnitStatus = "offered"
	UnitOccupied    UnitStatus = "occupied"
	UnitMaintenance UnitStatus = "maintenance"
)

// ApplicationStatus is an application's state: pending → offered → housed; or it ends declined,
// expired, withdrawn or ineligible (a talent who left the registry).
type ApplicationStatus string

// Application statuses.
const (
	ApplicationPending    ApplicationStatus = "pending"
	ApplicationOffered    ApplicationStatus = "offered"
	ApplicationHoused     ApplicationStatus = "housed"
	ApplicationDeclined   ApplicationStatus = "declined"
	ApplicationExpired    ApplicationStatus = "expired"
	ApplicationWithdrawn  ApplicationStatus = "withdrawn"
	ApplicationIneligible ApplicationStatus = "ineligible"
)

// RoundStatus is an allocation round's state: open (its seed committed by hash), committed (offers
// made, seed revealed) or cancelled.
type RoundStatus string

// Round statuses.
const (
	RoundOpen      RoundStatus = "open"
	RoundCommitted RoundStatus = "committed"
	RoundCancelled RoundStatus = "cancelled"
)

// OfferStatus is an offer's state; only an offered one is live.
type OfferStatus string

// Offer statuses.
const (
	OfferOffered   OfferStatus = "offered"
	OfferAccepted  OfferStatus = "accepted"
	OfferDeclined  OfferStatus = "declined"
	OfferExpired   OfferStatus = "expired"
	OfferWithdrawn OfferStatus = "withdrawn"
)

// DeclineReason says why an offer was refused; an expired offer counts as no_response.
type DeclineReason string

// LeaseStatus is a lease's state.
type LeaseStatus string

// Lease statuses.
const (
	LeaseActive LeaseStatus = "active"
	LeaseEnded  LeaseStatus = "ended"
)

// Estate is a housing estate (小区).
type Estate struct {
	ID        int64     `db:"id" json:"id"`
	Name      string    `db:"name" json:"name"`
	Address   string    `db:"address" json:"address"`
	Version   int       `db:"version" json:"version"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	UpdatedAt time.Time `db:"updated_at" json:"updated_at"`
}

// Unit is one dwelling of an estate.
type Unit struct {
	ID             int64      `db:"id" json:"id"`
	EstateID       int64      `db:"estate_id" json:"estate_id"`
	EstateName     string     `db:"estate_name" json:"estate_name"`
	Building       string     `db:"building" json:"building"`
	Number         string     `db:"number" json:"number"`
	Floor          int        `db:"floor" json:"floor"`
	Rooms          int        `db:"rooms" json:"rooms" doc:"Bedrooms; 0 is a studio"`
	AreaM2         float64    `db:"area_m2" json:"area_m2"`
	Kind           Kind       `db:"kind" json:"kind"`
	MonthlyRentFen money.Fen  `db:"monthly_rent_fen" json:"monthly_rent_fen"`
	Status         UnitStatus `db:"status" json:"status"`
	Version        int        `db:"version" json:"version"`
	CreatedAt      time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt      time.Time  `db:"updated_at" json:"updated_at"`
}

// Offer proposes one unit to one application, from a round; it stands until its expiry day.
type Offer struct {
	ID            int64          `db:"id" json:"id"`
	RoundID       int64          `db:"round_id" json:"round_id"`
	ApplicationID int64          `db:"application_id" json:"application_id"`
	UnitID        int64          `db:"unit_id" json:"unit_id"`
	Status        OfferStatus    `db:"status" json:"status"`
	OfferedAt     time.Time      `db:"offered_at" json:"offered_at"`
	ExpiresOn     civil.Date     `db:"expires_on" json:"expires_on"`
	DecidedAt     *time.Time     `db:"decided_at" json:"decided_at,omitempty"`
	DeclineReason *DeclineReason `db:"decline_reason" json:"decline_reason,omitempty"`
	DeclineText   string         `db:"decline_text" json:"decline_text,omitempty"`
	Version       int            `db:"version" json:"version"`
}

// Sentinel errors of the housing slice.
var (
	ErrEstateNotFound      = errs.New(errs.NotFound, "estate_not_found", "找不到该小区", "estate not found")
	ErrEstateNameTaken     = errs.New(errs.Conflict, "estate_name_taken", "已有同名小区", "an estate with this name exists already")
	ErrUnitNotFound        = errs.New(errs.NotFound, "unit_not_found", "找不到该房源", "unit not found")
	ErrUnitNumberTaken     = errs.New(errs.Conflict, "unit_number_taken", "该小区已有相同楼栋和房号的房源", "the estate has a unit with this building and number already")
	ErrUnitHeld            = errs.New(errs.Conflict, "unit_held", "该房源已有待确认的配租或在租合同", "the unit is held by a live offer or lease")
	ErrApplicationNotFound = errs.New(errs.NotFound, "application_not_found", "找不到该申请", "application not found")
	ErrLiveApplication     = errs.New(errs.Conflict, "application_live", "此人已有一份同类住房的有效申请", "this person has a live application for this kind of housing already")
	ErrRoundNotFound       = errs.New(errs.NotFound, "round_not_found", "找不到该配租批次", "allocation round not found")
	ErrOfferNotFound       = errs.New(errs.NotFound, "offer_not_found", "找不到该配租通知", "offer not found")
	ErrLeaseNotFound       = errs.New(errs.NotFound, "lease_not_found", "找不到该租赁合同", "lease not found")
	ErrLiveLease           = errs.New(errs.Conflict, "lease_live", "此人已有一份在租合同", "this person holds a live lease already")
)
