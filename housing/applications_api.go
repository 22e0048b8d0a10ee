package housing

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
	"talentd/internal/etag"
	"talentd/internal/page"
)

// ApplicantBody names a public-rental applicant.
type ApplicantBody struct {
	Name     string `json:"name" minLength:"1" maxLength:"50" example:"张三"`
	IDNumber string `json:"id_number" minLength:"18" maxLength:"18" pattern:"^[0-9]{17}[0-9Xx]$" doc:"The whole resident identity number (GB 11643 checksum); stored sealed, shown masked"`
}

// ApplicationBody is an application to file.
type ApplicationBody struct {
	Kind           Kind           `json:"kind"`
	TalentID       *int64         `json:"talent_id,omitempty" minimum:"1" doc:"Talent apartments: the registered talent (with a live green card)"`
	Applicant      *ApplicantBody `json:"applicant,omitempty" doc:"Public rental: the worker applying"`
	EnterpriseID   *int64         `json:"enterprise_id,omitempty" minimum:"1" doc:"Public rental: the worker's enterprise; HR may leave it out (its own)"`
	HouseholdSize  int            `json:"household_size" minimum:"1" maximum:"20"`
	PreferredRooms []int          `json:"preferred_rooms,omitempty" maxItems:"11" doc:"Room counts wanted, 0 (studio) to 10, each once"`
	CurrentHousing string         `json:"current_housing,omitempty" maxLength:"200" example:"租住城区民房"`
	Notes          string         `json:"notes,omitempty" maxLength:"1000"`
}

type fileApplicationInput struct {
	Body ApplicationBody
}

type applicationIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type withdrawApplicationInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Reason string `json:"reason" minLength:"1" maxLength:"500" doc:"Shown on the application"`
	}
}

type applicationOutput struct {
	ETag string `header:"ETag"`
	Body Application
}

type listApplicationsInput struct {
	Kind         Kind              `query:"kind"`
	Status       ApplicationStatus `query:"status" doc:"pending with a kind is that kind's waiting list"`
	EnterpriseID int64             `query:"enterprise_id" minimum:"0"`
	TalentID     int64             `query:"talent_id" minimum:"0"`
	page.Query
}

type applicationsOutput struct {
	Body page.Of[Application]
}

// applicationAnswer is the answer with one application and its ETag.
func applicationAnswer(a Application, err error) (*applicationOutput, error) {
	if err != nil {
		return nil, err
	}
	return &applicationOutput{ETag: etag.Of(a.Version), Body: a}, nil
}

func registerApplications(api huma.API, s *Service) {
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "file-housing-application", Method: http.MethodPost, Path: "/v1/housing/applications", Tags: tags,
		Summary: "File a housing application",
		Description: "A talent apartment names `talent_id` (a registered talent with a live green card, of an eligible class; " +
			"HR: its own enterprise's). Public rental names `applicant` {`name`, `id_number`} and the enterprise (HR: its own). " +
			"One live application per identity number per kind, across enterprises (409).",
		DefaultStatus: http.StatusCreated,
		Errors:        []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, applicantRoles...), func(ctx context.Context, in *fileApplicationInput) (*applicationOutput, error) {
		b := in.Body
		var applicant *ApplicantInput
		if b.Applicant != nil {
			applicant = &ApplicantInput{Name: b.Applicant.Name, IDNumber: b.Applicant.IDNumber}
		}
		return applicationAnswer(s.FileApplication(ctx, ApplicationInput{Kind: b.Kind, TalentID: b.TalentID,
			Applicant: applicant, EnterpriseID: b.EnterpriseID, HouseholdSize: b.HouseholdSize,
			PreferredRooms: b.PreferredRooms, CurrentHousing: b.CurrentHousing, Notes: b.Notes}))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-housing-applications", Method: http.MethodGet, Path: "/v1/housing/applications", Tags: tags,
		Summary:     "List housing applications, oldest first",
		Description: "`status=pending` with a `kind` is that kind's waiting list. HR sees its own enterprise's.",
	}, applicantRoles...), func(ctx context.Context, in *listApplicationsInput) (*applicationsOutput, error) {
		p, err := s.ListApplications(ctx, ApplicationFilter{Kind: in.Kind, Status: in.Status,
			EnterpriseID: in.EnterpriseID, TalentID: in.TalentID}, in.Query)
		if err != nil {
			return nil, err
		}
		return &applicationsOutput{Body: p}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-housing-application", Method: http.MethodGet, Path: "/v1/housing/applications/{id}", Tags: tags,
		Summary: "A housing application", Errors: []int{http.StatusNotFound},
	}, applicantRoles...), func(ctx context.Context, in *applicationIDInput) (*applicationOutput, error) {
		return applicationAnswer(s.GetApplication(ctx, in.ID))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "withdraw-housing-application", Method: http.MethodPost, Path: "/v1/housing/applications/{id}/withdraw", Tags: tags,
		Summary:     "Withdraw a pending or offered application",
		Description: "An offer the application holds is withdrawn too, and its unit is available again.",
		Errors:      []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, applicantRoles...), func(ctx context.Context, in *withdrawApplicationInput) (*applicationOutput, error) {
		return applicationAnswer(s.WithdrawApplication(ctx, in.ID, in.Body.Reason))
	})
}
