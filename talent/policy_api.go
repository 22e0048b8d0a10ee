package talent

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
)

type policyBody struct {
	Title string `json:"title" minLength:"1" maxLength:"200" example:"璧山区高层次人才分类认定标准（2027年版）"`
	Rules []Rule `json:"rules" minItems:"1" maxItems:"200" doc:"Ordered rules; a talent's grade is the highest grade of any rule it fully matches"`
}

type policyInput struct {
	Body policyBody
}

type policyIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type updatePolicyInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body policyBody
}

type policyOutput struct {
	Body *Policy
}

type policiesOutput struct {
	Body struct {
		Items []Policy `json:"items"`
	}
}

type impactOutput struct {
	Body Impact
}

type publicationOutput struct {
	Body Publication
}

func registerPolicies(api huma.API, s *Service) {
	tags := []string{"Grading policy"}
	office := []auth.Role{auth.RoleAdmin, auth.RoleTalentOffice}

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-grading-policies", Method: http.MethodGet, Path: "/v1/grading-policies", Tags: tags,
		Summary: "List grading policy versions", Description: "Newest first: drafts, the one in force, retired ones.",
	}, talentReaders...), func(ctx context.Context, _ *struct{}) (*policiesOutput, error) {
		list, err := s.ListPolicies(ctx)
		if err != nil {
			return nil, err
		}
		out := &policiesOutput{}
		out.Body.Items = list
		return out, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-current-grading-policy", Method: http.MethodGet, Path: "/v1/grading-policies/current", Tags: tags,
		Summary: "The grading policy in force",
	}, talentReaders...), func(ctx context.Context, _ *struct{}) (*policyOutput, error) {
		p, err := s.CurrentPolicy(ctx)
		if err != nil {
			return nil, err
		}
		return &policyOutput{Body: p}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-grading-policy", Method: http.MethodGet, Path: "/v1/grading-policies/{id}", Tags: tags,
		Summary: "Get a grading policy version", Errors: []int{http.StatusNotFound},
	}, talentReaders...), func(ctx context.Context, in *policyIDInput) (*policyOutput, error) {
		p, err := s.GetPolicy(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &policyOutput{Body: p}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "draft-grading-policy", Method: http.MethodPost, Path: "/v1/grading-policies", Tags: tags,
		Summary: "Draft a new policy version", DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusUnprocessableEntity},
	}, office...), func(ctx context.Context, in *policyInput) (*policyOutput, error) {
		p, err := s.DraftPolicy(ctx, PolicyInput{Title: in.Body.Title, Rules: in.Body.Rules})
		if err != nil {
			return nil, err
		}
		return &policyOutput{Body: p}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "update-grading-policy", Method: http.MethodPut, Path: "/v1/grading-policies/{id}", Tags: tags,
		Summary: "Edit a draft policy", Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, office...), func(ctx context.Context, in *updatePolicyInput) (*policyOutput, error) {
		p, err := s.UpdatePolicy(ctx, in.ID, PolicyInput{Title: in.Body.Title, Rules: in.Body.Rules})
		if err != nil {
			return nil, err
		}
		return &policyOutput{Body: p}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "grading-policy-impact", Method: http.MethodGet, Path: "/v1/grading-policies/{id}/impact", Tags: tags,
		Summary:     "Dry-run impact report",
		Description: "How registered talents would move between grades (matrix A..D/none × A..D/none, with examples) if this version were published. Changes nothing.",
		Errors:      []int{http.StatusNotFound},
	}, office...), func(ctx context.Context, in *policyIDInput) (*impactOutput, error) {
		imp, err := s.PolicyImpact(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &impactOutput{Body: imp}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "publish-grading-policy", Method: http.MethodPost, Path: "/v1/grading-policies/{id}/publish", Tags: tags,
		Summary:     "Publish a draft policy",
		Description: "Puts the draft in force and re-grades every registered talent in one transaction (overridden grades are kept; talents no longer eligible keep their grade and are listed under \"none\" in the report).",
		Errors:      []int{http.StatusNotFound, http.StatusConflict},
	}, office...), func(ctx context.Context, in *policyIDInput) (*publicationOutput, error) {
		pub, err := s.PublishPolicy(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &publicationOutput{Body: pub}, nil
	})
}
