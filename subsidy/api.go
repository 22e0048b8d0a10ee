package subsidy

import (
	"github.com/danielgtaylor/huma/v2"
)

// tags group the subsidy operations in the API documentation.
var tags = []string{"Subsidies"}

// Register adds the subsidy operations to api.
func Register(api huma.API, s *Service) {
	registerProgrammes(api, s)
	registerAwards(api, s)
	registerPayouts(api, s)
	registerRuns(api, s)
	registerApplications(api, s)
	registerReports(api, s)
}

// subsidyIDInput names a programme by its id.
type subsidyIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}
