package greencard

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
	"talentd/internal/etag"
)

type catalogueOutput struct {
	Body struct {
		Items []ServiceItem `json:"items"`
	}
}

type serviceInput struct {
	Code    string `path:"code" maxLength:"40"`
	IfMatch string `header:"If-Match" maxLength:"32"`
	Body    struct {
		NameZH       string      `json:"name_zh" minLength:"1" maxLength:"50"`
		NameEN       string      `json:"name_en,omitempty" maxLength:"100"`
		Content      string      `json:"content,omitempty" maxLength:"2000"`
		Eligible     []CardClass `json:"eligible" maxItems:"4" doc:"Classes A–D, each once"`
		Steps        []string    `json:"steps,omitempty" maxItems:"20"`
		StandardDays int         `json:"standard_days" minimum:"1" maximum:"365"`
		YearlyQuota  *int        `json:"yearly_quota,omitempty" minimum:"1" maximum:"1000"`
		SortOrder    int         `json:"sort_order,omitempty" minimum:"0" maximum:"1000" doc:"Position in the catalogue"`
	}
}

type serviceOutput struct {
	ETag string `header:"ETag"`
	Body ServiceItem
}

func registerCatalogue(api huma.API, s *Service) {
	tags := []string{"Service catalogue"}
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-services", Method: http.MethodGet, Path: "/v1/greencard/services", Tags: tags,
		Summary: "The service catalogue (9 items)",
	}, catalogueReaders...), func(ctx context.Context, _ *struct{}) (*catalogueOutput, error) {
		items, err := s.Catalogue(ctx)
		if err != nil {
			return nil, err
		}
		out := &catalogueOutput{}
		out.Body.Items = items
		return out, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "update-service", Method: http.MethodPut, Path: "/v1/greencard/services/{code}", Tags: tags,
		Summary: "Edit a catalogue item", Errors: []int{http.StatusNotFound, http.StatusPreconditionFailed, http.StatusUnprocessableEntity},
	}, officeRoles...), func(ctx context.Context, in *serviceInput) (*serviceOutput, error) {
		version, err := etag.Version(in.IfMatch)
		if err != nil {
			return nil, err
		}
		b := in.Body
		eligible := make([]string, len(b.Eligible))
		for i, c := range b.Eligible {
			eligible[i] = string(c)
		}
		it, err := s.UpdateService(ctx, in.Code, version, ServiceItemInput{NameZH: b.NameZH, NameEN: b.NameEN, Content: b.Content,
			Eligible: eligible, Steps: b.Steps, StandardDays: b.StandardDays, YearlyQuota: b.YearlyQuota, SortOrder: b.SortOrder})
		if err != nil {
			return nil, err
		}
		return &serviceOutput{ETag: etag.Of(it.Version), Body: it}, nil
	})
}
