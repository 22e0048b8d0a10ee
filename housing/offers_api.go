package housing

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/answer"
	"talentd/internal/auth"
	"talentd/internal/etag"
	"talentd/internal/page"
)

type offerIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type listOffersInput struct {
	RoundID       int64       `query:"round_id" minimum:"0"`
	ApplicationID int64       `query:"application_id" minimum:"0"`
	Status        OfferStatus `query:"status"`
	page.Query
}

// AcceptBody may name the residents moving in.
type AcceptBody struct {
	ResidentNames []string `json:"resident_names,omitempty" maxItems:"20" doc:"Names of the residents (at most the household's size)"`
}

type acceptOfferInput struct {
	ID      int64  `path:"id" minimum:"1"`
	IfMatch string `header:"If-Match" maxLength:"100" doc:"The offer's ETag, to answer only the version read"`
	Body    *AcceptBody
}

// DeclineBody says why an offer is refused.
type DeclineBody struct {
	Reason DeclineReason `json:"reason"`
	Text   string        `json:"text,omitempty" maxLength:"500" doc:"Free text, e.g. what \"other\" means"`
}

type declineOfferInput struct {
	ID      int64  `path:"id" minimum:"1"`
	IfMatch string `header:"If-Match" maxLength:"100" doc:"The offer's ETag, to answer only the version read"`
	Body    DeclineBody
}

// offerOutput is an offer with its entity tag.
type offerOutput struct {
	ETag string `header:"ETag"`
	Body Offer
}

// ExpiredOffers says how many offers an expiry run ended.
type ExpiredOffers struct {
	Expired int `json:"expired"`
}

func registerOffers(api huma.API, s *Service) {
	tags := []string{"Housing offers"}
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-housing-offers", Method: http.MethodGet, Path: "/v1/housing/offers", Tags: tags,
		Summary: "List offers (配租通知)", Description: "Newest first. HR sees its own enterprise's.",
	}, applicantRoles...), func(ctx context.Context, in *listOffersInput) (*answer.Body[page.Of[Offer]], error) {
		return answer.Of(s.ListOffers(ctx, OfferFilter{RoundID: in.RoundID, ApplicationID: in.ApplicationID, Status: in.Status}, in.Query))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-housing-offer", Method: http.MethodGet, Path: "/v1/housing/offers/{id}", Tags: tags,
		Summary: "An offer", Description: "With its ETag, for If-Match on the answer.", Errors: []int{http.StatusNotFound},
	}, applicantRoles...), func(ctx context.Context, in *offerIDInput) (*offerOutput, error) {
		o, err := s.GetOffer(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &offerOutput{ETag: etag.Of(o.Version), Body: o}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "accept-housing-offer", Method: http.MethodPost, Path: "/v1/housing/offers/{id}/accept", Tags: tags,
		Summary:     "Accept an offer",
		Description: "Creates the lease: from today for the configured months, the rent after the class discount (talent apartments), the household's size as residents.",
		Errors:      []int{http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed, http.StatusUnprocessableEntity},
	}, applicantRoles...), func(ctx context.Context, in *acceptOfferInput) (*answer.Body[OfferDecision], error) {
		version, err := etag.Version(in.IfMatch)
		if err != nil {
			return nil, err
		}
		var names []string
		if in.Body != nil {
			names = in.Body.ResidentNames
		}
		return answer.Of(s.AcceptOffer(ctx, in.ID, AcceptInput{ResidentNames: names, IfVersion: version}))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "decline-housing-offer", Method: http.MethodPost, Path: "/v1/housing/offers/{id}/decline", Tags: tags,
		Summary: "Decline an offer",
		Description: "Frees the unit and offers it to the next applicant on the round's list who fits it (`next_offer`). The " +
			"applicant waits again with one refusal more; `household_changed` ends the application instead.",
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed, http.StatusUnprocessableEntity},
	}, applicantRoles...), func(ctx context.Context, in *declineOfferInput) (*answer.Body[OfferDecision], error) {
		version, err := etag.Version(in.IfMatch)
		if err != nil {
			return nil, err
		}
		return answer.Of(s.DeclineOffer(ctx, in.ID, DeclineInput{Reason: in.Body.Reason, Text: in.Body.Text, IfVersion: version}))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "expire-housing-offers", Method: http.MethodPost, Path: "/v1/housing/offers/expire", Tags: tags,
		Summary:     "Expire offers past their last day",
		Description: "Each counts as a refusal for no response; its unit goes to the next applicant on the round's list.",
	}, housingRoles...), func(ctx context.Context, _ *struct{}) (*answer.Body[ExpiredOffers], error) {
		n, err := s.ExpireOffers(ctx)
		return answer.Of(ExpiredOffers{Expired: n}, err)
	})
}
