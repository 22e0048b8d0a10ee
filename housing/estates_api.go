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

// registerInventory adds the inventory's operations: estates, units and their import, the
// settings and the statistics.
func registerInventory(api huma.API, s *Service) {
	registerEstates(api, s)
	registerUnits(api, s)
	registerUnitImport(api, s)
	registerSettings(api, s)
	registerStats(api, s)
}

func init() {
	vocab.AddFieldLabels(map[string]vocab.Label{
		"EstateInput.name": {Zh: "小区名称", En: "Estate name"},
	})
}

// inventoryIDInput names an estate or a unit by its id.
type inventoryIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

// inventoryCreateInput adds an estate or a unit.
type inventoryCreateInput[T any] struct {
	Body T
}

// inventoryUpdateInput replaces an estate or a unit, at the version If-Match names.
type inventoryUpdateInput[T any] struct {
	ID      int64  `path:"id" minimum:"1"`
	IfMatch string `header:"If-Match" maxLength:"32"`
	Body    T
}

type listEstatesInput struct {
	page.Query
}

func registerEstates(api huma.API, s *Service) {
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "create-housing-estate", Method: http.MethodPost, Path: "/v1/housing/estates", Tags: tags,
		Summary: "Add an estate (小区)", DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity},
	}, housingRoles...), func(ctx context.Context, in *inventoryCreateInput[EstateInput]) (*answer.Tagged[Estate], error) {
		e, err := s.CreateEstate(ctx, in.Body)
		return answer.WithETag(e, e.Version, err)
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-housing-estates", Method: http.MethodGet, Path: "/v1/housing/estates", Tags: tags,
		Summary: "List the estates",
	}, inventoryReaders...), func(ctx context.Context, in *listEstatesInput) (*answer.Body[page.Of[Estate]], error) {
		return answer.Of(s.Estates(ctx, in.Query))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-housing-estate", Method: http.MethodGet, Path: "/v1/housing/estates/{id}", Tags: tags,
		Summary: "An estate", Errors: []int{http.StatusNotFound},
	}, inventoryReaders...), func(ctx context.Context, in *inventoryIDInput) (*answer.Tagged[Estate], error) {
		e, err := s.Estate(ctx, in.ID)
		return answer.WithETag(e, e.Version, err)
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "update-housing-estate", Method: http.MethodPut, Path: "/v1/housing/estates/{id}", Tags: tags,
		Summary: "Edit an estate", Description: "Send the ETag of the estate as read in If-Match: a stale version is refused with 412.",
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed, http.StatusUnprocessableEntity},
	}, housingRoles...), func(ctx context.Context, in *inventoryUpdateInput[EstateInput]) (*answer.Tagged[Estate], error) {
		version, err := etag.Version(in.IfMatch)
		if err != nil {
			return nil, err
		}
		e, err := s.UpdateEstate(ctx, in.ID, version, in.Body)
		return answer.WithETag(e, e.Version, err)
	})
}
