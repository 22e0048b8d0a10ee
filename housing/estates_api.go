package housing

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

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

type estateIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type createEstateInput struct {
	Body EstateInput
}

type updateEstateInput struct {
	ID      int64  `path:"id" minimum:"1"`
	IfMatch string `header:"If-Match" maxLength:"32"`
	Body    EstateInput
}

type listEstatesInput struct {
	page.Query
}

type estateOutput struct {
	ETag string `header:"ETag"`
	Body Estate
}

type estatesOutput struct {
	Body page.Of[Estate]
}

// estateAnswer is an estate with its entity tag, or the error that stopped it.
func estateAnswer(e Estate, err error) (*estateOutput, error) {
	if err != nil {
		return nil, err
	}
	return &estateOutput{ETag: etag.Of(e.Version), Body: e}, nil
}

func registerEstates(api huma.API, s *Service) {
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "create-housing-estate", Method: http.MethodPost, Path: "/v1/housing/estates", Tags: tags,
		Summary: "Add an estate (小区)", DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity},
	}, housingRoles...), func(ctx context.Context, in *createEstateInput) (*estateOutput, error) {
		return estateAnswer(s.CreateEstate(ctx, in.Body))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-housing-estates", Method: http.MethodGet, Path: "/v1/housing/estates", Tags: tags,
		Summary: "List the estates",
	}, inventoryReaders...), func(ctx context.Context, in *listEstatesInput) (*estatesOutput, error) {
		p, err := s.Estates(ctx, in.Query)
		if err != nil {
			return nil, err
		}
		return &estatesOutput{Body: p}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-housing-estate", Method: http.MethodGet, Path: "/v1/housing/estates/{id}", Tags: tags,
		Summary: "An estate", Errors: []int{http.StatusNotFound},
	}, inventoryReaders...), func(ctx context.Context, in *estateIDInput) (*estateOutput, error) {
		return estateAnswer(s.Estate(ctx, in.ID))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "update-housing-estate", Method: http.MethodPut, Path: "/v1/housing/estates/{id}", Tags: tags,
		Summary: "Edit an estate", Description: "Send the ETag of the estate as read in If-Match: a stale version is refused with 412.",
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed, http.StatusUnprocessableEntity},
	}, housingRoles...), func(ctx context.Context, in *updateEstateInput) (*estateOutput, error) {
		version, err := etag.Version(in.IfMatch)
		if err != nil {
			return nil, err
		}
		return estateAnswer(s.UpdateEstate(ctx, in.ID, version, in.Body))
	})
}
