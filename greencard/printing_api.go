package greencard

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
		"serials": {Zh: "绿卡编号（多张）", En: "Card serials"},
	})
}

type printQueueInput struct {
	Status PrintStatus `query:"status" doc:"Which step's cards (default: requested, those waiting to be printed)"`
	page.Query
}

type printBatchInput struct {
	Body struct {
		Serials []string `json:"serials" minItems:"1" maxItems:"200" uniqueItems:"true" maxLength:"24" pattern:"^[A-Z0-9-]{1,24}$" doc:"The cards printed, each named once" example:"[\"BS-2021-000123\"]"`
	}
}

// printBatchOutput is the cards a batch marked printed, in the order named.
type printBatchOutput struct {
	Items []CardView `json:"items" nullable:"false"`
}

func registerPrinting(api huma.API, s *Service) {
	tags := []string{"Card printing"}
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-print-queue", Method: http.MethodGet, Path: "/v1/greencard/print-queue", Tags: tags,
		Summary: "The card print queue",
		Description: "Cards whose current version is at the print step: `requested` (issued or reissued, waiting to be printed; " +
			"revoked cards leave this queue), `printed`, or `handed_over`; oldest card first.",
	}, officeRoles...), func(ctx context.Context, in *printQueueInput) (*answer.Body[page.Of[PrintItem]], error) {
		return answer.Of(s.PrintQueue(ctx, string(in.Status), in.Query))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "mark-card-printed", Method: http.MethodPost, Path: "/v1/greencard/cards/{serial}/printed", Tags: tags,
		Summary:     "Mark a card printed",
		Description: "The card's current version was printed, by the caller, now; only a card waiting to be printed (409 otherwise). Audited.",
		Errors:      []int{http.StatusNotFound, http.StatusConflict},
	}, officeRoles...), func(ctx context.Context, in *serialInput) (*answer.Body[CardView], error) {
		return s.cardAnswer(s.MarkPrinted(ctx, in.Serial))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "mark-card-handed-over", Method: http.MethodPost, Path: "/v1/greencard/cards/{serial}/handed-over", Tags: tags,
		Summary:     "Mark a printed card handed over",
		Description: "The printed card was handed to its holder, by the caller, now; only after it was printed (409 otherwise). Audited.",
		Errors:      []int{http.StatusNotFound, http.StatusConflict},
	}, officeRoles...), func(ctx context.Context, in *serialInput) (*answer.Body[CardView], error) {
		return s.cardAnswer(s.MarkHandedOver(ctx, in.Serial))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "create-print-batch", Method: http.MethodPost, Path: "/v1/greencard/print-batches", Tags: tags,
		Summary: "Mark a batch of cards printed",
		Description: "1 to 200 cards (e.g. the A4 sheets of /print/sheet) printed by the caller, now, in one transaction: " +
			"when one of them is unknown, revoked or not waiting to be printed, none is marked and the answer names it.",
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, officeRoles...), func(ctx context.Context, in *printBatchInput) (*answer.Body[printBatchOutput], error) {
		cards, err := s.PrintBatch(ctx, in.Body.Serials)
		if err != nil {
			return nil, err
		}
		out := printBatchOutput{Items: make([]CardView, len(cards))}
		for i, c := range cards {
			out.Items[i] = s.view(c)
		}
		return answer.Of(out, nil)
	})
}
