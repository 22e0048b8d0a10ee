package greencard

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/answer"
	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/idempotency"
	"talentd/internal/vocab"
)

func init() {
	vocab.AddFieldLabels(map[string]vocab.Label{
		"used_at": {Zh: "使用时间", En: "Time of use"},
	})
}

type useInput struct {
	idempotency.OptionalHeader
	Body struct {
		Token      string     `json:"token,omitempty" maxLength:"4096" doc:"The scanned QR text; or, instead, card_serial"`
		CardSerial string     `json:"card_serial,omitempty" maxLength:"24" pattern:"^[A-Za-z0-9-]{1,24}$" doc:"The serial of a card this account verified valid today (the verdict's card.serial)" example:"BS-2021-000123"`
		Service    string     `json:"service" maxLength:"40" example:"health_check"`
		Window     string     `json:"window,omitempty" maxLength:"100"`
		Note       string     `json:"note,omitempty" maxLength:"500"`
		UsedAt     *time.Time `json:"used_at,omitempty" doc:"For a use the window recorded while it could not reach the server: when it served the holder (RFC 3339), at most 72 hours ago and 5 minutes ahead (else 422). The use counts against the quota of that year in the district. Omit for now."`
	}
}

type usesOutput struct {
	Body struct {
		Items []Use `json:"items"`
	}
}

type useCountsOutput struct {
	Body struct {
		From  civil.Date `json:"from"`
		To    civil.Date `json:"to"`
		Items []UseCount `json:"items"`
	}
}

func registerUses(api huma.API, s *Service) {
	tags := []string{"Service catalogue"}
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "record-service-use", Method: http.MethodPost, Path: "/v1/greencard/uses", Tags: tags,
		Summary: "Record a service use",
		Description: "Of the card whose QR was scanned (`token`) or, for a card this account verified valid today, by its " +
			"`card_serial` — one of the two, else 422. Atomically, only if the card verifies, its class is eligible and the " +
			"yearly quota has a unit left (409 otherwise, saying which). Answers the use with its `id`, which voids it. " +
			"A window that was offline sends each use it queued with its `used_at` and an `Idempotency-Key`, so that " +
			"sending it again records it once.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, verifierRoles...), func(ctx context.Context, in *useInput) (*answer.Body[Use], error) {
		req, err := in.Request(ctx, in.Body)
		if err != nil {
			return nil, err
		}
		b := in.Body
		return answer.Of(s.RecordUseOf(ctx, UseInput{Token: b.Token, CardSerial: b.CardSerial, Service: b.Service, Window: b.Window,
			Note: b.Note, UsedAt: b.UsedAt, Request: req}))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "void-service-use", Method: http.MethodPost, Path: "/v1/greencard/uses/{id}/void", Tags: tags,
		Summary: "Void a service use recorded today",
		Description: "With a reason. The quota unit returns to the holder; the use stays in the history, marked voided. " +
			"The office may void any use, a window or a commissioner only those its own account recorded; only on the " +
			"district day it was recorded (409 after). Voiding twice answers 409. Audited.",
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, verifierRoles...), func(ctx context.Context, in *idReasonInput) (*answer.Body[Use], error) {
		return answer.Of(s.VoidUse(ctx, in.ID, in.Body.Reason))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-talent-service-uses", Method: http.MethodGet, Path: "/v1/talents/{id}/service-uses", Tags: tags,
		Summary: "A talent's service uses", Description: "Newest first, voided ones too.", Errors: []int{http.StatusNotFound},
	}, cardOwnerRoles...), func(ctx context.Context, in *talentIDInput) (*usesOutput, error) {
		uses, err := s.UsesOfTalent(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		out := &usesOutput{}
		out.Body.Items = uses
		return out, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-service-stats", Method: http.MethodGet, Path: "/v1/stats/services", Tags: tags,
		Summary: "Service uses per service in a period", Description: "Voided uses do not count. HR counts its own talent only.",
	}, cardOwnerRoles...), func(ctx context.Context, in *periodInput) (*useCountsOutput, error) {
		from, to, start, end, err := in.resolve(s.today())
		if err != nil {
			return nil, err
		}
		counts, err := s.UseCounts(ctx, start, end)
		if err != nil {
			return nil, err
		}
		out := &useCountsOutput{}
		out.Body.From, out.Body.To, out.Body.Items = from, to, counts
		return out, nil
	})
}
