package talent

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
	"talentd/internal/etag"
	"talentd/internal/page"
)

// enterpriseBody is the wire shape of an enterprise to create or replace. The credit code's shape
// is checked here; its GB 32100 checksum in the service.
type enterpriseBody struct {
	Name          string `json:"name" minLength:"1" maxLength:"200" example:"重庆璧山精密制造有限公司"`
	USCC          string `json:"uscc" minLength:"18" maxLength:"18" pattern:"^[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18}$" doc:"Unified social credit code (统一社会信用代码), 18 characters with the GB 32100 check character" example:"91500120MAWW4MRNPL"`
	Address       string `json:"address,omitempty" maxLength:"300" example:"重庆市璧山区璧泉街道"`
	Industry      string `json:"industry,omitempty" maxLength:"100" example:"智能装备"`
	KeyEnterprise bool   `json:"key_enterprise,omitempty" doc:"重点企业"`
	LocalSupplier bool   `json:"local_supplier,omitempty" doc:"本地配套企业"`
	ContactName   string `json:"contact_name,omitempty" maxLength:"50" example:"李敏"`
	ContactPhone  string `json:"contact_phone,omitempty" maxLength:"20" doc:"Mobile or landline, e.g. 13812345678 or 023-41412345" example:"023-41412345"`
}

func (b enterpriseBody) input() EnterpriseInput {
	return EnterpriseInput{Name: b.Name, USCC: b.USCC, Address: b.Address, Industry: b.Industry,
		KeyEnterprise: b.KeyEnterprise, LocalSupplier: b.LocalSupplier, ContactName: b.ContactName,
		ContactPhone: b.ContactPhone}
}

type createEnterpriseInput struct {
	Body enterpriseBody
}

type enterpriseOutput struct {
	ETag string `header:"ETag"`
	Body Enterprise
}

type enterpriseIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type updateEnterpriseInput struct {
	ID      int64  `path:"id" minimum:"1"`
	IfMatch string `header:"If-Match" maxLength:"32" doc:"The ETag from a previous read: the update is refused with 412 if the enterprise changed since"`
	Body    enterpriseBody
}

type listEnterprisesInput struct {
	Q             string `query:"q" maxLength:"100" doc:"Part of the name, or a whole credit code"`
	Industry      string `query:"industry" maxLength:"100"`
	KeyEnterprise string `query:"key_enterprise" enum:"true,false"`
	LocalSupplier string `query:"local_supplier" enum:"true,false"`
	page.Query
}

type listEnterprisesOutput struct {
	Body page.Of[Enterprise]
}

func optionalBool(s string) *bool {
	if s == "" {
		return nil
	}
	b := s == "true"
	return &b
}

// Register adds the registry's operations to api.
func Register(api huma.API, s *Service) {
	registerEnterprises(api, s)
	registerTalents(api, s)
	registerTalentPatch(api, s)
	registerPhotos(api, s)
	registerBulk(api, s)
	registerPolicies(api, s)
	registerStats(api, s)
	registerImport(api, s)
	registerExport(api, s)
}

func registerEnterprises(api huma.API, s *Service) {
	tags := []string{"Enterprises"}
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "create-enterprise", Method: http.MethodPost, Path: "/v1/enterprises", Tags: tags,
		Summary: "Register an enterprise", DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity},
	}, auth.RoleAdmin, auth.RoleTalentOffice), func(ctx context.Context, in *createEnterpriseInput) (*enterpriseOutput, error) {
		e, err := s.CreateEnterprise(ctx, in.Body.input())
		if err != nil {
			return nil, err
		}
		return &enterpriseOutput{ETag: etag.Of(e.Version), Body: e}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-enterprise", Method: http.MethodGet, Path: "/v1/enterprises/{id}", Tags: tags,
		Summary: "Get an enterprise", Description: "HR sees only its own enterprise.",
		Errors: []int{http.StatusNotFound},
	}, auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleEnterpriseHR, auth.RoleHousingOffice, auth.RoleFinance,
		auth.RoleCommissioner), func(ctx context.Context, in *enterpriseIDInput) (*enterpriseOutput, error) {
		e, err := s.GetEnterprise(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &enterpriseOutput{ETag: etag.Of(e.Version), Body: e}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "update-enterprise", Method: http.MethodPut, Path: "/v1/enterprises/{id}", Tags: tags,
		Summary: "Update an enterprise", Description: "Send If-Match with the ETag you read to avoid overwriting someone else's change.",
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed, http.StatusUnprocessableEntity},
	}, auth.RoleAdmin, auth.RoleTalentOffice), func(ctx context.Context, in *updateEnterpriseInput) (*enterpriseOutput, error) {
		version, err := etag.Version(in.IfMatch)
		if err != nil {
			return nil, err
		}
		e, err := s.UpdateEnterprise(ctx, in.ID, version, in.Body.input())
		if err != nil {
			return nil, err
		}
		return &enterpriseOutput{ETag: etag.Of(e.Version), Body: e}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-enterprises", Method: http.MethodGet, Path: "/v1/enterprises", Tags: tags,
		Summary: "List enterprises", Description: "Filtered, in id order, one page at a time. HR sees only its own enterprise.",
	}, auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleEnterpriseHR, auth.RoleHousingOffice, auth.RoleFinance,
		auth.RoleCommissioner), func(ctx context.Context, in *listEnterprisesInput) (*listEnterprisesOutput, error) {
		res, err := s.ListEnterprises(ctx, EnterpriseFilter{Query: in.Q, Industry: in.Industry,
			KeyEnterprise: optionalBool(in.KeyEnterprise), LocalSupplier: optionalBool(in.LocalSupplier)}, in.Query)
		if err != nil {
			return nil, err
		}
		return &listEnterprisesOutput{Body: res}, nil
	})
}
