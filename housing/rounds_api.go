package housing

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
		"unit_ids":           {Zh: "房源", En: "Units"},
		"round_id":           {Zh: "配租批次", En: "Allocation round"},
		"application_id":     {Zh: "申请", En: "Application"},
		"resident_names":     {Zh: "入住人员姓名", En: "Resident names"},
		"RoundBody.title":    {Zh: "批次名称", En: "Round title"},
		"DeclineBody.text":   {Zh: "放弃原因说明", En: "Explanation"},
		"DeclineBody.reason": {Zh: "放弃原因", En: "Reason for declining"},
	})
}

// RoundBody opens an allocation round.
type RoundBody struct {
	Kind    Kind    `json:"kind"`
	Title   string  `json:"title" minLength:"1" maxLength:"200" example:"2026年第四批人才公寓配租"`
	UnitIDs []int64 `json:"unit_ids" minItems:"1" maxItems:"20000" uniqueItems:"true" doc:"Available units of the round's kind"`
}

type openRoundInput struct {
	Body RoundBody
}

type roundIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type listRoundsInput struct {
	Kind   Kind        `query:"kind"`
	Status RoundStatus `query:"status"`
	page.Query
}

func registerRounds(api huma.API, s *Service) {
	tags := []string{"Housing rounds"}
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "open-housing-round", Method: http.MethodPost, Path: "/v1/housing/rounds", Tags: tags,
		Summary: "Open an allocation round (配租批次)",
		Description: "Over available units of one kind. A random seed is drawn and sealed; the answer publishes its SHA-256 " +
			"(`seed_sha256`) before anyone is ranked. The seed itself is revealed when the round is committed.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusUnprocessableEntity},
	}, housingRoles...), func(ctx context.Context, in *openRoundInput) (*answer.Body[Round], error) {
		return answer.Of(s.OpenRound(ctx, RoundInput{Kind: in.Body.Kind, Title: in.Body.Title, UnitIDs: in.Body.UnitIDs}))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-housing-rounds", Method: http.MethodGet, Path: "/v1/housing/rounds", Tags: tags,
		Summary: "List allocation rounds", Description: "Newest first; unit ids are in each round's own page.",
	}, inventoryReaders...), func(ctx context.Context, in *listRoundsInput) (*answer.Body[page.Of[Round]], error) {
		return answer.Of(s.ListRounds(ctx, in.Kind, in.Status, in.Query))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-housing-round", Method: http.MethodGet, Path: "/v1/housing/rounds/{id}", Tags: tags,
		Summary: "An allocation round", Description: "With its units; the seed once the round is committed.",
		Errors: []int{http.StatusNotFound},
	}, inventoryReaders...), func(ctx context.Context, in *roundIDInput) (*answer.Body[Round], error) {
		return answer.Of(s.GetRound(ctx, in.ID))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "preview-housing-round", Method: http.MethodPost, Path: "/v1/housing/rounds/{id}/preview", Tags: tags,
		Summary: "Preview an allocation round (dry run)",
		Description: "Ranks the pending applications of the round's kind and proposes units, storing nothing: every applicant " +
			"with rank, inputs and the proposed unit or the reason there is none.",
		Errors: []int{http.StatusNotFound, http.StatusConflict},
	}, housingRoles...), func(ctx context.Context, in *roundIDInput) (*answer.Body[Ranking], error) {
		return answer.Of(s.PreviewRound(ctx, in.ID))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "commit-housing-round", Method: http.MethodPost, Path: "/v1/housing/rounds/{id}/commit", Tags: tags,
		Summary: "Commit an allocation round",
		Description: "In one transaction: ranks, publishes the ranking, makes the offers and reveals the seed. Units another " +
			"round offered meanwhile are skipped. Committing a committed round changes nothing and returns it.",
		Errors: []int{http.StatusNotFound, http.StatusConflict},
	}, housingRoles...), func(ctx context.Context, in *roundIDInput) (*answer.Body[Round], error) {
		return answer.Of(s.CommitRound(ctx, in.ID))
	})

	huma.Register(api, auth.Public(huma.Operation{
		OperationID: "get-housing-round-ranking", Method: http.MethodGet, Path: "/v1/housing/rounds/{id}/ranking", Tags: tags,
		Summary: "The public ranking of an allocation round (公示)",
		Description: "No sign-in needed. Masked names and every ranking input, the seed's hash and, once committed, the seed " +
			"and the settings the round was ranked under, so that anyone can recompute the order. An open round has no entries.",
		Errors: []int{http.StatusNotFound},
	}), func(ctx context.Context, in *roundIDInput) (*answer.Body[Ranking], error) {
		return answer.Of(s.RoundRanking(ctx, in.ID))
	})
}
