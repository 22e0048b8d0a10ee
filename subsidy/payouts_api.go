package subsidy

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/answer"
	"talentd/internal/auth"
	"talentd/internal/etag"
	"talentd/internal/idempotency"
	"talentd/internal/page"
	"talentd/internal/vocab"
)

func init() {
	vocab.AddFieldLabels(map[string]vocab.Label{
		"programme_id":   {Zh: "资助项目", En: "Programme"},
		"account_name":   {Zh: "开户名", En: "Account holder"},
		"account_number": {Zh: "银行账号", En: "Account number"},
		"bank_code":      {Zh: "开户行行号", En: "Bank code"},
		"bank_reference": {Zh: "银行交易流水号", En: "Bank reference"},
	})
}

type listPayoutsInput struct {
	ProgrammeID int64        `query:"programme_id" minimum:"0" doc:"Only this programme's payouts"`
	Status      PayoutStatus `query:"status"`
	page.Query
}

type bankAccountInput struct {
	ID      int64  `path:"id" minimum:"1"`
	IfMatch string `header:"If-Match" maxLength:"32"`
	Body    BankAccountInput
}

type payoutStepInput struct {
	idempotency.Header
	ID int64 `path:"id" minimum:"1"`
}

type markPaidInput struct {
	idempotency.Header
	ID   int64 `path:"id" minimum:"1"`
	Body MarkPaidInput
}

type payoutReasonInput struct {
	idempotency.Header
	ID   int64 `path:"id" minimum:"1"`
	Body PayoutReasonInput
}

// idempotentErrors are the answers every money-moving step can give besides its own.
var idempotentErrors = []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}

// idempotentNote documents the Idempotency-Key contract on each money-moving step.
const idempotentNote = " Requires an Idempotency-Key: the same key with the same request replays the first answer and changes nothing; " +
	"the same key with another request is refused with 422."

func registerPayouts(api huma.API, s *Service) {
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-subsidy-payouts", Method: http.MethodGet, Path: "/v1/subsidy/payouts", Tags: tags,
		Summary:     "List the payout ledger",
		Description: "HR sees the payouts to its enterprise and its own talent. Bank accounts are shown masked.",
	}, readerRoles...), func(ctx context.Context, in *listPayoutsInput) (*answer.Body[page.Of[Payout]], error) {
		return answer.Of(s.Payouts(ctx, PayoutFilter{ProgrammeID: in.ProgrammeID, Status: in.Status}, in.Query))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-subsidy-payout", Method: http.MethodGet, Path: "/v1/subsidy/payouts/{id}", Tags: tags,
		Summary: "One payout", Errors: []int{http.StatusNotFound},
	}, readerRoles...), func(ctx context.Context, in *subsidyIDInput) (*answer.Tagged[Payout], error) {
		p, err := s.Payout(ctx, in.ID)
		return answer.WithETag(p, p.Version, err)
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "set-subsidy-payout-bank-account", Method: http.MethodPut, Path: "/v1/subsidy/payouts/{id}/bank-account",
		Tags: tags, Summary: "Record the account a pending payout is paid to",
		Description: "The number is stored encrypted and read back masked only. Send the payout's ETag in If-Match " +
			"(a stale version is refused with 412); a payout that is no longer pending is refused with 409.",
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed, http.StatusUnprocessableEntity},
	}, officeRoles...), func(ctx context.Context, in *bankAccountInput) (*answer.Tagged[Payout], error) {
		version, err := etag.Version(in.IfMatch)
		if err != nil {
			return nil, err
		}
		p, err := s.SetBankAccount(ctx, in.ID, version, in.Body)
		return answer.WithETag(p, p.Version, err)
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "approve-subsidy-payout", Method: http.MethodPost, Path: "/v1/subsidy/payouts/{id}/approve", Tags: tags,
		Summary: "Approve a pending payout",
		Description: "Whoever prepared the payout cannot approve it (403 four_eyes); a payout without a bank account is refused with 409." +
			idempotentNote,
		Errors: idempotentErrors,
	}, financeRoles...), func(ctx context.Context, in *payoutStepInput) (*answer.Body[Payout], error) {
		req, err := in.Request(ctx, nil)
		if err != nil {
			return nil, err
		}
		return answer.Of(s.Approve(ctx, in.ID, req))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "mark-subsidy-payout-paid", Method: http.MethodPost, Path: "/v1/subsidy/payouts/{id}/mark-paid", Tags: tags,
		Summary:     "Record that the bank paid an approved payout",
		Description: "The programme's paid total rises by the amount." + idempotentNote, Errors: idempotentErrors,
	}, financeRoles...), func(ctx context.Context, in *markPaidInput) (*answer.Body[Payout], error) {
		req, err := in.Request(ctx, in.Body)
		if err != nil {
			return nil, err
		}
		return answer.Of(s.MarkPaid(ctx, in.ID, in.Body, req))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "fail-subsidy-payout", Method: http.MethodPost, Path: "/v1/subsidy/payouts/{id}/fail", Tags: tags,
		Summary: "Record that the bank refused an approved payout", Description: idempotentNote[1:], Errors: idempotentErrors,
	}, financeRoles...), func(ctx context.Context, in *payoutReasonInput) (*answer.Body[Payout], error) {
		req, err := in.Request(ctx, in.Body)
		if err != nil {
			return nil, err
		}
		return answer.Of(s.Fail(ctx, in.ID, in.Body, req))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "retry-subsidy-payout", Method: http.MethodPost, Path: "/v1/subsidy/payouts/{id}/retry", Tags: tags,
		Summary: "Put a failed payout back to approved, to be paid again", Description: idempotentNote[1:], Errors: idempotentErrors,
	}, financeRoles...), func(ctx context.Context, in *payoutStepInput) (*answer.Body[Payout], error) {
		req, err := in.Request(ctx, nil)
		if err != nil {
			return nil, err
		}
		return answer.Of(s.Retry(ctx, in.ID, req))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "cancel-subsidy-payout", Method: http.MethodPost, Path: "/v1/subsidy/payouts/{id}/cancel", Tags: tags,
		Summary: "Cancel a pending, held or failed payout",
		Description: "Its amount goes back to the programme's budget. A payout still waiting in a run the bank has not " +
			"settled is refused (409 payout_awaits_bank)." + idempotentNote, Errors: idempotentErrors,
	}, officeRoles...), func(ctx context.Context, in *payoutReasonInput) (*answer.Body[Payout], error) {
		req, err := in.Request(ctx, in.Body)
		if err != nil {
			return nil, err
		}
		return answer.Of(s.Cancel(ctx, in.ID, in.Body, req))
	})
}
