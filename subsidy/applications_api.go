package subsidy

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/answer"
	"talentd/internal/auth"
	"talentd/internal/etag"
	"talentd/internal/page"
)

type submitApplicationInput struct {
	Body SubsidyApplicationInput
}

// applicationChangeInput names an application, the version the caller read and the change.
type applicationChangeInput[B any] struct {
	ID      int64  `path:"id" minimum:"1"`
	IfMatch string `header:"If-Match" maxLength:"32"`
	Body    B
}

type listApplicationsInput struct {
	page.Query
}

// applicationAnswer answers with an application and its entity tag.
func applicationAnswer(a SubsidyApplication, err error) (*answer.Tagged[SubsidyApplication], error) {
	return answer.WithETag(a, a.Version, err)
}

func registerApplications(api huma.API, s *Service) {
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "submit-subsidy-application", Method: http.MethodPost, Path: "/v1/subsidy/applications", Tags: tags,
		Summary: "Apply for an enterprise subsidy", DefaultStatus: http.StatusCreated,
		Description: "HR applies for its own enterprise, the office for the enterprise it names. The amount is calculated by the " +
			"programme's rules and returned with its working, line by line; purchases from suppliers that are not registered " +
			"local supplier enterprises do not count, each with a line saying so.",
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, applicantRoles...), func(ctx context.Context, in *submitApplicationInput) (*answer.Tagged[SubsidyApplication], error) {
		return applicationAnswer(s.SubmitApplication(ctx, in.Body))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-subsidy-applications", Method: http.MethodGet, Path: "/v1/subsidy/applications", Tags: tags,
		Summary: "List enterprise-subsidy applications", Description: "HR sees its own enterprise's applications.",
	}, readerRoles...), func(ctx context.Context, in *listApplicationsInput) (*answer.Body[page.Of[SubsidyApplication]], error) {
		return answer.Of(s.Applications(ctx, in.Query))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-subsidy-application", Method: http.MethodGet, Path: "/v1/subsidy/applications/{id}", Tags: tags,
		Summary: "An application with its working and attachments", Errors: []int{http.StatusNotFound},
	}, readerRoles...), func(ctx context.Context, in *subsidyIDInput) (*answer.Tagged[SubsidyApplication], error) {
		return applicationAnswer(s.Application(ctx, in.ID))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "correct-subsidy-application", Method: http.MethodPut, Path: "/v1/subsidy/applications/{id}", Tags: tags,
		Summary:     "Correct a submitted or returned application and submit it again",
		Description: "The figures and attachments are replaced and the amount recalculated; the programme and enterprise stay. Send the ETag as read in If-Match (412 when stale).",
		Errors:      []int{http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed, http.StatusUnprocessableEntity},
	}, applicantRoles...), func(ctx context.Context, in *applicationChangeInput[SubsidyApplicationInput]) (*answer.Tagged[SubsidyApplication], error) {
		version, err := etag.Version(in.IfMatch)
		if err != nil {
			return nil, err
		}
		return applicationAnswer(s.CorrectApplication(ctx, in.ID, version, in.Body))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "approve-subsidy-application", Method: http.MethodPost, Path: "/v1/subsidy/applications/{id}/approve",
		Tags: tags, Summary: "Approve an application: reserve its amount and schedule its payout",
		Description: "The calculated amount, or adjusted_amount_fen with a reason, is reserved of the programme's budget (409 " +
			"budget_exceeded when it does not fit) and one pending payout to the enterprise is created, prepared by the approver.",
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed, http.StatusUnprocessableEntity},
	}, officeRoles...), func(ctx context.Context, in *applicationChangeInput[SubsidyApproveInput]) (*answer.Tagged[SubsidyApplication], error) {
		version, err := etag.Version(in.IfMatch)
		if err != nil {
			return nil, err
		}
		return applicationAnswer(s.ApproveApplication(ctx, in.ID, version, in.Body))
	})

	for _, d := range []struct {
		verb, what string
		decide     func(context.Context, int64, int, SubsidyDecisionInput) (SubsidyApplication, error)
	}{{"reject", "Reject an application, with the reason", s.RejectApplication},
		{"return", "Return an application to the enterprise for correction, with the reason", s.ReturnApplication}} {
		huma.Register(api, auth.Allow(huma.Operation{
			OperationID: d.verb + "-subsidy-application", Method: http.MethodPost, Path: "/v1/subsidy/applications/{id}/" + d.verb,
			Tags: tags, Summary: d.what,
			Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed, http.StatusUnprocessableEntity},
		}, officeRoles...), func(ctx context.Context, in *applicationChangeInput[SubsidyDecisionInput]) (*answer.Tagged[SubsidyApplication], error) {
			version, err := etag.Version(in.IfMatch)
			if err != nil {
				return nil, err
			}
			return applicationAnswer(d.decide(ctx, in.ID, version, in.Body))
		})
	}
}
