package greencard

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/answer"
	"talentd/internal/auth"
	"talentd/internal/page"
)

type fileRequestInput struct {
	Body struct {
		CardSerial     string `json:"card_serial" minLength:"1" maxLength:"24" pattern:"^[A-Za-z0-9-]{1,24}$" doc:"The holder's card (the verdict's card.serial); a window files only for a card it verified valid today" example:"BS-2021-000123"`
		Service        string `json:"service" maxLength:"40" example:"agent_services"`
		Description    string `json:"description" minLength:"1" maxLength:"2000" example:"代办子女转学手续"`
		CommissionerID *int64 `json:"commissioner_id,omitempty" minimum:"1" doc:"Assign by hand; otherwise the commissioner with the fewest open requests"`
	}
}

type requestIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type requestDetailOutput struct {
	Body struct {
		Request
		Notes []RequestNote `json:"notes"`
	}
}

type moveInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body *struct {
		Note string `json:"note,omitempty" maxLength:"2000" doc:"Required to resolve or reject"`
	}
}

type assignInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		CommissionerID int64 `json:"commissioner_id" minimum:"1"`
	}
}

type rateInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Satisfaction int `json:"satisfaction" minimum:"1" maximum:"5"`
	}
}

type listRequestsInput struct {
	Status         RequestStatus `query:"status"`
	Service        string        `query:"service" maxLength:"40"`
	CommissionerID int64         `query:"commissioner_id" minimum:"0"`
	TalentID       int64         `query:"talent_id" minimum:"0"`
	Overdue        bool          `query:"overdue" doc:"Only open requests past their due date"`
	page.Query
}

func registerRequests(api huma.API, s *Service) {
	tags := []string{"Agent requests"}
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "file-agent-request", Method: http.MethodPost, Path: "/v1/greencard/requests", Tags: tags,
		Summary: "File an agent request (代办)",
		Description: "For the holder of a valid card, named by its serial (HR: its own talent only; a window: a card it verified " +
			"valid today), assigned to a commissioner; due by the service's standard. The filing window then sees the request.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, filerRoles...), func(ctx context.Context, in *fileRequestInput) (*answer.Body[Request], error) {
		b := in.Body
		return answer.Of(s.FileRequestForCard(ctx, RequestInput{CardSerial: b.CardSerial, Service: b.Service,
			Description: b.Description, CommissionerID: b.CommissionerID}))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-agent-requests", Method: http.MethodGet, Path: "/v1/greencard/requests", Tags: tags,
		Summary: "List agent requests", Description: "HR sees its own talent's, a commissioner those assigned to them, a window those it filed. `overdue=true` lists open requests past due.",
	}, requestReaderRoles...), func(ctx context.Context, in *listRequestsInput) (*answer.Body[page.Of[Request]], error) {
		return answer.Of(s.ListRequests(ctx, RequestFilter{Status: string(in.Status), ServiceCode: in.Service,
			CommissionerID: in.CommissionerID, TalentID: in.TalentID, Overdue: in.Overdue}, in.Query))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-agent-request", Method: http.MethodGet, Path: "/v1/greencard/requests/{id}", Tags: tags,
		Summary: "An agent request with its notes", Errors: []int{http.StatusNotFound},
	}, requestReaderRoles...), func(ctx context.Context, in *requestIDInput) (*requestDetailOutput, error) {
		r, notes, err := s.GetRequest(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		out := &requestDetailOutput{}
		out.Body.Request, out.Body.Notes = r, notes
		return out, nil
	})

	for _, action := range RequestActionVocab.Terms() {
		act := action.Code
		huma.Register(api, auth.Allow(huma.Operation{
			OperationID: act + "-agent-request", Method: http.MethodPost, Path: "/v1/greencard/requests/{id}/" + act, Tags: tags,
			Summary: action.En + " (" + action.Zh + ")",
			Errors:  []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
		}, workerRoles...), func(ctx context.Context, in *moveInput) (*answer.Body[Request], error) {
			note := ""
			if in.Body != nil {
				note = in.Body.Note
			}
			return answer.Of(s.MoveRequest(ctx, in.ID, act, note))
		})
	}

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "assign-agent-request", Method: http.MethodPost, Path: "/v1/greencard/requests/{id}/assign", Tags: tags,
		Summary: "Reassign to another commissioner", Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, officeRoles...), func(ctx context.Context, in *assignInput) (*answer.Body[Request], error) {
		return answer.Of(s.AssignRequest(ctx, in.ID, in.Body.CommissionerID))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "rate-agent-request", Method: http.MethodPost, Path: "/v1/greencard/requests/{id}/satisfaction", Tags: tags,
		Summary: "Record the holder's satisfaction (1–5)", Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, filerRoles...), func(ctx context.Context, in *rateInput) (*answer.Body[Request], error) {
		return answer.Of(s.RateRequest(ctx, in.ID, in.Body.Satisfaction))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-request-stats", Method: http.MethodGet, Path: "/v1/stats/requests", Tags: tags,
		Summary:     "Agent request figures (接哨率, 办结率, 满意度)",
		Description: "Received, accepted, resolved (on time), rates and average satisfaction, per service and per commissioner, for requests filed in the period.",
	}, requestReaderRoles...), func(ctx context.Context, in *periodInput) (*answer.Body[RequestStats], error) {
		_, _, start, end, err := in.resolve(s.today())
		if err != nil {
			return nil, err
		}
		return answer.Of(s.RequestStatistics(ctx, start, end))
	})
}
