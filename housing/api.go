package housing

import "github.com/danielgtaylor/huma/v2"

// tags group the housing operations in the API documentation.
var tags = []string{"Housing"}

// Register adds the housing operations to api.
func Register(api huma.API, s *Service) {
	registerInventory(api, s)
	registerApplications(api, s)
	registerLeases(api, s)
	registerRounds(api, s)
	registerOffers(api, s)
}
