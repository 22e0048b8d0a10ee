package housing

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/answer"
	"talentd/internal/auth"
	"talentd/internal/etag"
	"talentd/internal/page"
	"talentd/internal/vocab"
)

func init() {
	vocab.AddFieldLabels(map[string]vocab.Label{
		"estate_id":        {Zh: "小区", En: "Estate"},
		"kind":             {Zh: "住房类型", En: "Kind of housing"},
		"rooms":            {Zh: "室数", En: "Rooms"},
		"min_area":         {Zh: "最小面积（平方米）", En: "Minimum area (m²)"},
		"max_area":         {Zh: "最大面积（平方米）", En: "Maximum area (m²)"},
		"building":         {Zh: "楼栋", En: "Building"},
		"floor":            {Zh: "楼层", En: "Floor"},
		"area_m2":          {Zh: "面积（平方米）", En: "Area (m²)"},
		"monthly_rent_fen": {Zh: "月租金（分）", En: "Monthly rent (fen)"},
		"UnitInput.number": {Zh: "房号", En: "Unit number"},
	})
}

// Schema describes a UnitStatusChange: available or maintenance.
func (UnitStatusChange) Schema(huma.Registry) *huma.Schema { return unitStatusChangeVocab.Schema() }

// UnitStatusBody takes a unit into maintenance or out of it.
type UnitStatusBody struct {
	Status UnitStatusChange `json:"status"`
	Reason string           `json:"reason" minLength:"1" maxLength:"200" example:"卫生间漏水维修"`
}

type unitStatusInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body UnitStatusBody
}

type listUnitsInput struct {
	EstateID int64      `query:"estate_id" minimum:"0" doc:"Only this estate's units"`
	Kind     Kind       `query:"kind"`
	Status   UnitStatus `query:"status"`
	Rooms    int        `query:"rooms" minimum:"-1" maximum:"10" default:"-1" doc:"Only units of this many rooms (0 a studio); -1: any"`
	MinArea  float64    `query:"min_area" minimum:"0" maximum:"10000" doc:"Only units of at least this area (m²)"`
	MaxArea  float64    `query:"max_area" minimum:"0" maximum:"10000" doc:"Only units of at most this area (m²); 0: no bound"`
	page.Query
}

func registerUnits(api huma.API, s *Service) {
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "create-housing-unit", Method: http.MethodPost, Path: "/v1/housing/units", Tags: tags,
		Summary: "Add a unit", Description: "A new unit is available to allocation rounds.", DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity},
	}, housingRoles...), func(ctx context.Context, in *inventoryCreateInput[UnitInput]) (*answer.Tagged[Unit], error) {
		u, err := s.CreateUnit(ctx, in.Body)
		return answer.WithETag(u, u.Version, err)
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-housing-units", Method: http.MethodGet, Path: "/v1/housing/units", Tags: tags,
		Summary: "List units", Description: "Filter by estate, kind, status, rooms and area.",
		Errors: []int{http.StatusUnprocessableEntity},
	}, inventoryReaders...), func(ctx context.Context, in *listUnitsInput) (*answer.Body[page.Of[Unit]], error) {
		return answer.Of(s.Units(ctx, UnitFilter{EstateID: in.EstateID, Kind: string(in.Kind), Status: string(in.Status),
			Rooms: in.Rooms, MinArea: in.MinArea, MaxArea: in.MaxArea}, in.Query))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-housing-unit", Method: http.MethodGet, Path: "/v1/housing/units/{id}", Tags: tags,
		Summary: "A unit", Errors: []int{http.StatusNotFound},
	}, inventoryReaders...), func(ctx context.Context, in *inventoryIDInput) (*answer.Tagged[Unit], error) {
		u, err := s.Unit(ctx, in.ID)
		return answer.WithETag(u, u.Version, err)
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "update-housing-unit", Method: http.MethodPut, Path: "/v1/housing/units/{id}", Tags: tags,
		Summary: "Edit a unit",
		Description: "Send the ETag of the unit as read in If-Match: a stale version is refused with 412. A unit held by a " +
			"live offer or lease cannot change its kind (409 unit_held).",
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed, http.StatusUnprocessableEntity},
	}, housingRoles...), func(ctx context.Context, in *inventoryUpdateInput[UnitInput]) (*answer.Tagged[Unit], error) {
		version, err := etag.Version(in.IfMatch)
		if err != nil {
			return nil, err
		}
		u, err := s.UpdateUnit(ctx, in.ID, version, in.Body)
		return answer.WithETag(u, u.Version, err)
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "set-housing-unit-status", Method: http.MethodPost, Path: "/v1/housing/units/{id}/status", Tags: tags,
		Summary:     "Put a unit into maintenance or back available",
		Description: "Offered and occupied follow offers and leases; a held unit cannot go into maintenance (409 unit_held).",
		Errors:      []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, housingRoles...), func(ctx context.Context, in *unitStatusInput) (*answer.Tagged[Unit], error) {
		u, err := s.SetUnitStatus(ctx, in.ID, in.Body.Status, in.Body.Reason)
		return answer.WithETag(u, u.Version, err)
	})
}
