package greencard

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
	"talentd/internal/page"
)

type fileRequestInput struct {
	Body struct {
		TalentID       int64  `json:"talent_id" minimum:"1"`
		Service        string `json:"service" maxLength:"40" example:"agent_services"`
		Description    string `json:"description" minLength:"1" maxLength:"2000" example:"代办子女转学手续"`
		CommissionerID *int64 `json:"commissioner_id,omitempty" minimum:"1" doc:"Assign by hand; otherwise the commissioner with the fewest open requests"`
	}
}

type requestOutput struct {
	Body Request
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
	Status         string `query:"status" enum:"submitted,accepted,in_progress,resolved,rejected"`
	Service        string `query:"service" maxLength:"40"`
	CommissionerID int64  `query:"commissioner_id" minimum:"0"`
	TalentID       int64  `query:"talent_id" minimum:"0"`
	Overdue        bool   `query:"overdue" doc:"Only open requests past their due date"`
	page.Query
}

type listRequestsOutput struct {
	Body page.Of[Request]
}

type requestStatsOutput struct {
	Body RequestStats
}

func registerRequests(api huma.API, s *Service) {
	tags := []string{"Agent requests"}
	filers := []auth.Role{auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleServiceWindow, auth.RoleEnterpriseHR}
	workers := []auth.Role{auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleCommissioner}
	all := []auth.Role{auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleServiceWindow, auth.RoleEnterpriseHR, auth.RoleCommissioner}

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "file-agent-request", Method: http.MethodPost, Path: "/v1/greencard/requests", Tags: tags,
		Summary:       "File an agent request (代办)",
		Description:   "For a registered talent (HR: its own talent only), assigned to a commissioner; due by the service's standard.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, filers...), func(ctx context.Context, in *fileRequestInput) (*requestOutput, error) {
		r, err := s.FileRequest(ctx, in.Body.TalentID, in.Body.Service, in.Body.Description, in.Body.CommissionerID)
		if err != nil {
			return nil, err
		}
		return &requestOutput{Body: r}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-agent-requests", Method: http.MethodGet, Path: "/v1/greencard/requests", Tags: tags,
		Summary: "List agent requests", Description: "HR sees its own talent's, a commissioner those assigned to them. `overdue=true` lists open requests past due.",
	}, all...), func(ctx context.Context, in *listRequestsInput) (*listRequestsOutput, error) {
		res, err := s.ListRequests(ctx, RequestFilter{Status: in.Status, ServiceCode: in.Service,
			CommissionerID: in.CommissionerID, TalentID: in.TalentID, Overdue: in.Overdue}, in.Query)
		if err != nil {
			return nil, err
		}
		return &listRequestsOutput{Body: res}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-agent-request", Method: http.MethodGet, Path: "/v1/greencard/requests/{id}", Tags: tags,
		Summary: "An agent request with its notes", Errors: []int{http.StatusNotFound},
	}, all...), func(ctx context.Context, in *requestIDInput) (*requestDetailOutput, error) {
		r, notes, err := s.GetRequest(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		out := &requestDetailOutput{}
		out.Body.Request, out.Body.Notes = r, notes
		return out, nil
	})

	for _, action := range []string{"accept", "start", "resolve", "reject"} {
		act := action
		huma.Register(api, auth.Allow(huma.Operation{
			OperationID: act + "-agent-request", Method: http.MethodPost, Path: "/v1/greencard/requests/{id}/" + act, Tags: tags,
			Summary: map[string]string{"accept": "Accept (接哨)", "start": "Start work", "resolve": "Resolve (办结)", "reject": "Reject"}[act],
			Errors:  []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
		}, workers...), func(ctx context.Context, in *moveInput) (*requestOutput, error) {
			note := ""
			if in.Body != nil {
				note = in.Body.Note
			}
			r, err := s.MoveRequest(ctx, in.ID, act, note)
			if err != nil {
				return nil, err
			}
			return &requestOutput{Body: r}, nil
		})
	}

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "assign-agent-request", Method: http.MethodPost, Path: "/v1/greencard/requests/{id}/assign", Tags: tags,
		Summary: "Reassign to another commissioner", Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, auth.RoleAdmin, auth.RoleTalentOffice), func(ctx context.Context, in *assignInput) (*requestOutput, error) {
		r, err := s.AssignRequest(ctx, in.ID, in.Body.CommissionerID)
		if err != nil {
			return nil, err
		}
		return &requestOutput{Body: r}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "rate-agent-request", Method: http.MethodPost, Path: "/v1/greencard/requests/{id}/satisfaction", Tags: tags,
		Summary: "Record the holder's satisfaction (1–5)", Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, filers...), func(ctx context.Context, in *rateInput) (*requestOutput, error) {
		r, err := s.RateRequest(ctx, in.ID, in.Body.Satisfaction)
		if err != nil {
			return nil, err
		}
		return &requestOutput{Body: r}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-request-stats", Method: http.MethodGet, Path: "/v1/stats/requests", Tags: tags,
		Summary:     "Agent request figures (接哨率, 办结率, 满意度)",
		Description: "Received, accepted, resolved (on time), rates and average satisfaction, per service and per commissioner, for requests filed in the period.",
	}, all...), func(ctx context.Context, in *periodInput) (*requestStatsOutput, error) {
		_, _, start, end, err := in.resolve(s.today())
		if err != nil {
			return nil, err
		}
		st, err := s.RequestStatistics(ctx, start, end)
		if err != nil {
			return nil, err
		}
		return &requestStatsOutput{Body: st}, nil
	})
}
