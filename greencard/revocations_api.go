package greencard

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
)

type revocationsInput struct {
	Cursor string    `query:"cursor" maxLength:"200" doc:"next_cursor of the previous call; continues exactly after the last change it listed"`
	Since  time.Time `query:"since" doc:"For a first call without a cursor: changes after this time (RFC 3339); omit for all"`
	Limit  int       `query:"limit" minimum:"1" maximum:"10000" default:"1000"`
}

type revocationsOutput struct {
	Body struct {
		Items      []Revocation `json:"items" nullable:"false"`
		NextCursor string       `json:"next_cursor" doc:"Pass as cursor on the next call (also when items is empty: it keeps the client's place)"`
		More       bool         `json:"more" doc:"The page is full: call again now for the rest"`
	}
}

func registerRevocations(api huma.API, s *Service) {
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-card-revocations", Method: http.MethodGet, Path: "/v1/greencard/revocations", Tags: []string{"Green cards"},
		Summary: "Revocation list for offline clients",
		Description: "Suspended, revoked and superseded serial-versions (and lifted suspensions), oldest change first. " +
			"Start with `since` (or nothing, for all), then always pass back `next_cursor` as `cursor`: paging on a time alone " +
			"skips changes that share an instant. A change is listed once every transaction that began before it has ended, " +
			"so a cursor never passes a change still being committed. A cursor not made by this API answers 400.",
		Errors: []int{http.StatusBadRequest},
	}, verifierRoles...), func(ctx context.Context, in *revocationsInput) (*revocationsOutput, error) {
		page, err := s.Revocations(ctx, RevocationQuery{Cursor: in.Cursor, Since: in.Since, Limit: in.Limit})
		if err != nil {
			return nil, err
		}
		out := &revocationsOutput{}
		out.Body.Items, out.Body.NextCursor, out.Body.More = page.Items, page.NextCursor, page.More
		return out, nil
	})
}
