package housing

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
)

type housingStatsOutput struct {
	Body HousingStats
}

func registerStats(api huma.API, s *Service) {
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-housing-stats", Method: http.MethodGet, Path: "/v1/stats/housing", Tags: tags,
		Summary: "Housing figures",
		Description: "Units by kind and status, occupancy rate per kind (occupied over all but maintenance), residents housed, " +
			"enterprises served, the waiting list and its median wait in days, and per round the offers accepted, declined " +
			"(by reason) and expired. HR: its own enterprise's leases, applications and offers; the district's inventory.",
	}, applicantRoles...), func(ctx context.Context, _ *struct{}) (*housingStatsOutput, error) {
		st, err := s.HousingStatistics(ctx)
		if err != nil {
			return nil, err
		}
		return &housingStatsOutput{Body: st}, nil
	})
}
