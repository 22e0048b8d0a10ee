package housing

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/etag"
	"talentd/internal/page"
)

type leaseIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type leaseOutput struct {
	ETag string `header:"ETag"`
	Body Lease
}

type leasesOutput struct {
	Body page.Of[Lease]
}

type listLeasesInput struct {
	Kind         Kind        `query:"kind"`
	Status       LeaseStatus `query:"status"`
	EnterpriseID int64       `query:"enterprise_id" minimum:"0"`
	MoveOutDue   bool        `query:"move_out_due" doc:"Only leases whose tenant must move out"`
	page.Query
}

type renewLeaseInput struct {
	ID      int64  `path:"id" minimum:"1"`
	IfMatch string `header:"If-Match" maxLength:"32" doc:"The ETag you read: refused with 412 if the lease changed since"`
	Body    struct {
		Months int `json:"months" minimum:"1" maximum:"120" doc:"Added to the lease's end date"`
	}
}

type terminateLeaseInput struct {
	ID      int64  `path:"id" minimum:"1"`
	IfMatch string `header:"If-Match" maxLength:"32" doc:"The ETag you read: refused with 412 if the lease changed since"`
	Body    struct {
		EndedOn civil.Date `json:"ended_on" doc:"The day the tenant moved out"`
		Reason  string     `json:"reason" minLength:"1" maxLength:"500"`
	}
}

type moveOutInput struct {
	ID      int64  `path:"id" minimum:"1"`
	IfMatch string `header:"If-Match" maxLength:"32" doc:"The ETag you read: refused with 412 if the lease changed since"`
	Body    struct {
		MoveOutOn civil.Date `json:"move_out_on" doc:"The day the tenant must move out by"`
	}
}

// leaseAnswer is the answer with one lease and its ETag.
func leaseAnswer(l Lease, err error) (*leaseOutput, error) {
	if err != nil {
		return nil, err
	}
	return &leaseOutput{ETag: etag.Of(l.Version), Body: l}, nil
}

// ifMatchedLease runs a lease change with the version If-Match names.
func ifMatchedLease(ifMatch string, change func(version int) (Lease, error)) (*leaseOutput, error) {
	version, err := etag.Version(ifMatch)
	if err != nil {
		return nil, err
	}
	return leaseAnswer(change(version))
}

func registerLeases(api huma.API, s *Service) {
	changeErrors := []int{http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed, http.StatusUnprocessableEntity}
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-housing-leases", Method: http.MethodGet, Path: "/v1/housing/leases", Tags: tags,
		Summary: "List leases, newest first", Description: "HR sees its own enterprise's. `move_out_due=true` lists the tenants who must move out.",
	}, applicantRoles...), func(ctx context.Context, in *listLeasesInput) (*leasesOutput, error) {
		p, err := s.ListLeases(ctx, LeaseFilter{Kind: in.Kind, Status: in.Status, EnterpriseID: in.EnterpriseID,
			MoveOutDue: in.MoveOutDue}, in.Query)
		if err != nil {
			return nil, err
		}
		return &leasesOutput{Body: p}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-housing-lease", Method: http.MethodGet, Path: "/v1/housing/leases/{id}", Tags: tags,
		Summary: "A lease", Errors: []int{http.StatusNotFound},
	}, applicantRoles...), func(ctx context.Context, in *leaseIDInput) (*leaseOutput, error) {
		return leaseAnswer(s.GetLease(ctx, in.ID))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "renew-housing-lease", Method: http.MethodPost, Path: "/v1/housing/leases/{id}/renew", Tags: tags,
		Summary: "Renew an active lease by some months", Errors: changeErrors,
	}, housingRoles...), func(ctx context.Context, in *renewLeaseInput) (*leaseOutput, error) {
		return ifMatchedLease(in.IfMatch, func(v int) (Lease, error) { return s.RenewLease(ctx, in.ID, v, in.Body.Months) })
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "terminate-housing-lease", Method: http.MethodPost, Path: "/v1/housing/leases/{id}/terminate", Tags: tags,
		Summary: "End an active lease", Description: "The unit is available again.", Errors: changeErrors,
	}, housingRoles...), func(ctx context.Context, in *terminateLeaseInput) (*leaseOutput, error) {
		return ifMatchedLease(in.IfMatch, func(v int) (Lease, error) {
			return s.TerminateLease(ctx, in.ID, v, in.Body.EndedOn, in.Body.Reason)
		})
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "set-housing-lease-move-out", Method: http.MethodPost, Path: "/v1/housing/leases/{id}/move-out", Tags: tags,
		Summary:     "Set the day the tenant must move out",
		Description: "For a lease flagged when its talent left the registry (or any active lease the office ends early).",
		Errors:      changeErrors,
	}, housingRoles...), func(ctx context.Context, in *moveOutInput) (*leaseOutput, error) {
		return ifMatchedLease(in.IfMatch, func(v int) (Lease, error) { return s.SetMoveOut(ctx, in.ID, v, in.Body.MoveOutOn) })
	})
}
