package talent

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
)

// bulkBody is what a bulk action takes.
type bulkBody struct {
	IDs          []int64 `json:"ids" minItems:"1" maxItems:"500" uniqueItems:"true" doc:"The records, each once, at most 500"`
	Comment      string  `json:"comment,omitempty" maxLength:"500" doc:"bulk-return only, and required there: the office's comments, put on every record returned"`
	AllOrNothing bool    `json:"all_or_nothing,omitempty" doc:"true: one transaction, nothing changes unless every record passes"`
}

type bulkInput struct {
	Body bulkBody
}

type bulkOutput struct {
	Body BulkResult
}

// bulkOutcome is how the bulk operations answer, stated once for their descriptions.
const bulkOutcome = " Each record goes through the same checks as the single operation (status, eligibility, " +
	"scope: a record the caller may not see fails as `talent_not_found`) and is audited as it would be. The answer is " +
	"200 with one result per record, in the order asked: `ok`, the new `status`, or a `code` and a `message` in the " +
	"reader's language. By default each record is changed in its own transaction, so those that pass are kept. With " +
	"`all_or_nothing: true` all share one transaction: if any record fails, nothing is changed and the answer is still " +
	"200, with `applied: false` and every record failed — those that would have passed with the code `not_applied`."

func registerBulk(api huma.API, s *Service) {
	tags := []string{"Talent registry"}
	bulk := func(id, path, summary, desc string, roles []auth.Role, fn func(ctx context.Context, in *bulkInput) (BulkResult, error)) {
		huma.Register(api, auth.Allow(huma.Operation{
			OperationID: id, Method: http.MethodPost, Path: "/v1/talents/" + path, Tags: tags,
			Summary: summary, Description: desc + bulkOutcome, Errors: []int{http.StatusUnprocessableEntity},
		}, roles...), func(ctx context.Context, in *bulkInput) (*bulkOutput, error) {
			res, err := fn(ctx, in)
			if err != nil {
				return nil, err
			}
			return &bulkOutput{Body: res}, nil
		})
	}
	bulk("bulk-submit-talents", "bulk-submit", "Submit many records for review",
		"HR submits drafts and returned records of its own enterprise; the office any.", editorRoles,
		func(ctx context.Context, in *bulkInput) (BulkResult, error) {
			return s.BulkSubmit(ctx, in.Body.IDs, in.Body.AllOrNothing)
		})
	bulk("bulk-approve-talents", "bulk-approve", "Approve (register) many records",
		"Registers submitted records, each graded by the policy in force.", officeRoles,
		func(ctx context.Context, in *bulkInput) (BulkResult, error) {
			return s.BulkApprove(ctx, in.Body.IDs, in.Body.AllOrNothing)
		})
	bulk("bulk-return-talents", "bulk-return", "Return many records for correction",
		"Sends submitted records back to HR, each with the `comment` (required).", officeRoles,
		func(ctx context.Context, in *bulkInput) (BulkResult, error) {
			return s.BulkReturn(ctx, in.Body.IDs, in.Body.Comment, in.Body.AllOrNothing)
		})
}
