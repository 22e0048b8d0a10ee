package subsidy

import (
	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/etag"
	"talentd/internal/page"
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
}

// subsidyIDInput names a programme by its id.
type subsidyIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

// subsidyETagOutput is one object with its entity tag.
type subsidyETagOutput[T any] struct {
	ETag string `header:"ETag"`
	Body T
}

// withETag answers with v and the entity tag of its version, or with the error that stopped it.
func withETag[T any](v T, version int, err error) (*subsidyETagOutput[T], error) {
	if err != nil {
		return nil, err
	}
	return &subsidyETagOutput[T]{ETag: etag.Of(version), Body: v}, nil
}

// subsidyPage is one page of a subsidy listing.
type subsidyPage[T any] struct {
	Body page.Of[T]
}

// pageAnswer answers with a page, or with the error that stopped it.
func pageAnswer[T any](p page.Of[T], err error) (*subsidyPage[T], error) {
	if err != nil {
		return nil, err
	}
	return &subsidyPage[T]{Body: p}, nil
}

// subsidyBody is an answer that is only a body.
type subsidyBody[T any] struct {
	Body T
}

// bodyAnswer answers with v, or with the error that stopped it.
func bodyAnswer[T any](v T, err error) (*subsidyBody[T], error) {
	if err != nil {
		return nil, err
	}
	return &subsidyBody[T]{Body: v}, nil
}
