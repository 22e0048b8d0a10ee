package housing

import (
	"math"
	"strings"

	"talentd/internal/errs"
	"talentd/internal/money"
	"talentd/internal/vocab"
)

// UnitInput is what the housing office states about a unit; its status is changed on its own
// (SetUnitStatus), and by offers and leases.
type UnitInput struct {
	EstateID       int64     `json:"estate_id" minimum:"1"`
	Building       string    `json:"building" minLength:"1" maxLength:"20" example:"3栋"`
	Number         string    `json:"number" minLength:"1" maxLength:"20" example:"1502"`
	Floor          int       `json:"floor" minimum:"-5" maximum:"200" example:"15"`
	Rooms          int       `json:"rooms" minimum:"0" maximum:"10" doc:"Bedrooms; 0 is a studio" example:"2"`
	AreaM2         float64   `json:"area_m2" exclusiveMinimum:"0" exclusiveMaximum:"10000" doc:"Floor area in m², two decimals" example:"68.5"`
	Kind           Kind      `json:"kind"`
	MonthlyRentFen money.Fen `json:"monthly_rent_fen" minimum:"0" maximum:"100000000" doc:"Monthly rent in fen (分) before any discount" example:"120000"`
}

// normalise trims the input, rounds the area to the database's two decimals and checks the rules
// the wire tags cannot state.
func (in UnitInput) normalise() (UnitInput, error) {
	in.Building, in.Number = strings.TrimSpace(in.Building), strings.TrimSpace(in.Number)
	in.AreaM2 = math.Round(in.AreaM2*100) / 100
	var fields []errs.FieldError
	if in.Building == "" {
		fields = append(fields, errs.Field("body.building", "required", "请填写楼栋", "the building is required", nil))
	}
	if in.Number == "" {
		fields = append(fields, errs.Field("body.number", "required", "请填写房号", "the unit's number is required", nil))
	}
	if !(in.AreaM2 > 0 && in.AreaM2 < 10000) {
		fields = append(fields, errs.Field("body.area_m2", "bad_area", "面积应大于 0 且小于 10000 平方米",
			"the area must be above 0 and below 10,000 m²", in.AreaM2))
	}
	if !KindVocab.Has(string(in.Kind)) {
		fields = append(fields, errs.Field("body.kind", "bad_kind", "房源类型只能是人才公寓或公租房",
			"the kind is talent_apartment or public_rental", in.Kind))
	}
	if len(fields) > 0 {
		return in, errs.Fields(fields...)
	}
	return in, nil
}

// errUnknownEstate is the refusal of a unit whose estate does not exist.
func errUnknownEstate(id int64) *errs.Error {
	return errs.Fields(errs.Field("body.estate_id", "estate_not_found", "所选小区不存在，请先添加小区",
		"no such estate; add it first", id))
}

// UnitFilter narrows a listing of units; zero values match every unit, Rooms -1 every room count.
type UnitFilter struct {
	EstateID int64
	Kind     string
	Status   string
	Rooms    int
	MinArea  float64
	MaxArea  float64
}

// UnitStatusChange is the status the office may set by hand: a unit goes into maintenance and
// comes back available. Offered and occupied follow offers and leases only.
type UnitStatusChange string

// unitStatusChangeVocab is the part of UnitStatusVocab the office sets by hand.
var unitStatusChangeVocab = vocab.NewList("unit_status_change",
	vocab.T(string(UnitAvailable), "可分配", "Available"),
	vocab.T(string(UnitMaintenance), "维修中", "Under maintenance"),
)
