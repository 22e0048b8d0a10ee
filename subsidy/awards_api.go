package subsidy

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/answer"
	"talentd/internal/auth"
	"talentd/internal/page"
	"talentd/internal/vocab"
)

func init() {
	vocab.AddFieldLabels(map[string]vocab.Label{
		"NominationInput.reason":     {Zh: "提名理由", En: "Reason for the nomination"},
		"AwardInput.amount_fen":      {Zh: "奖励金额（分）", En: "Award amount (fen)"},
		"instalments":                {Zh: "分期发放安排", En: "Instalments"},
		"InstalmentInput.due_on":     {Zh: "到期日", En: "Due date"},
		"InstalmentInput.amount_fen": {Zh: "本期金额（分）", En: "Instalment amount (fen)"},
	})
}

type nominateInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body NominationInput
}

type awardInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body AwardInput
}

type programmeListInput struct {
	ID int64 `path:"id" minimum:"1"`
	page.Query
}

func registerAwards(api huma.API, s *Service) {
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "nominate-subsidy-talent", Method: http.MethodPost, Path: "/v1/subsidy/programmes/{id}/nominations",
		Tags: tags, Summary: "Nominate a registered talent for an award programme", DefaultStatus: http.StatusCreated,
		Description: "HR nominates its own enterprise's talent only; another enterprise's talent is not found.",
		Errors:      []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, nominatorRoles...), func(ctx context.Context, in *nominateInput) (*answer.Body[Nomination], error) {
		return answer.Of(s.Nominate(ctx, in.ID, in.Body))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-subsidy-nominations", Method: http.MethodGet, Path: "/v1/subsidy/programmes/{id}/nominations",
		Tags: tags, Summary: "List a programme's nominations", Description: "HR sees its own enterprise's nominations.",
		Errors: []int{http.StatusNotFound},
	}, readerRoles...), func(ctx context.Context, in *programmeListInput) (*answer.Body[page.Of[Nomination]], error) {
		return answer.Of(s.Nominations(ctx, in.ID, in.Query))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "create-subsidy-award", Method: http.MethodPost, Path: "/v1/subsidy/programmes/{id}/awards",
		Tags: tags, Summary: "Select a winner: the amount and its instalments", DefaultStatus: http.StatusCreated,
		Description: "The talent must have been nominated for the programme (409 not_nominated otherwise, or when the nomination was withdrawn); " +
			"the award selects the nomination, which becomes awarded. " +
			"The instalments must add up to the amount, their due dates ascending and within the programme's year or later. " +
			"The amount is reserved of the programme's budget (409 budget_exceeded when it does not fit); each instalment becomes a pending payout.",
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, officeRoles...), func(ctx context.Context, in *awardInput) (*answer.Body[Award], error) {
		return answer.Of(s.Award(ctx, in.ID, in.Body))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-subsidy-awards", Method: http.MethodGet, Path: "/v1/subsidy/programmes/{id}/awards",
		Tags: tags, Summary: "List a programme's awards with their instalments",
		Description: "HR sees the awards to its own enterprise's talent.", Errors: []int{http.StatusNotFound},
	}, readerRoles...), func(ctx context.Context, in *programmeListInput) (*answer.Body[page.Of[Award]], error) {
		return answer.Of(s.Awards(ctx, in.ID, in.Query))
	})
}
