package subsidy

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/answer"
	"talentd/internal/auth"
	"talentd/internal/etag"
	"talentd/internal/page"
	"talentd/internal/vocab"
)

func init() {
	vocab.AddFieldLabels(map[string]vocab.Label{
		"ProgrammeInput.kind":  {Zh: "项目类型", En: "Kind of programme"},
		"ProgrammeInput.code":  {Zh: "项目编码", En: "Programme code"},
		"ProgrammeInput.name":  {Zh: "项目名称", En: "Programme name"},
		"ProgrammeInput.rules": {Zh: "项目规则", En: "Programme rules"},
		"budget_fen":           {Zh: "预算金额（分）", En: "Budget (fen)"},
	})
}

type createProgrammeInput struct {
	Body ProgrammeInput
}

type updateProgrammeInput struct {
	ID      int64  `path:"id" minimum:"1"`
	IfMatch string `header:"If-Match" maxLength:"32"`
	Body    ProgrammeInput
}

type programmeStatusInput struct {
	ID      int64  `path:"id" minimum:"1"`
	IfMatch string `header:"If-Match" maxLength:"32"`
}

type listProgrammesInput struct {
	Kind   ProgrammeKind   `query:"kind"`
	Year   int             `query:"year" minimum:"0" maximum:"2100"`
	Status ProgrammeStatus `query:"status"`
	page.Query
}

func registerProgrammes(api huma.API, s *Service) {
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "create-subsidy-programme", Method: http.MethodPost, Path: "/v1/subsidy/programmes", Tags: tags,
		Summary: "Add an award or enterprise-subsidy programme", DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity},
	}, officeRoles...), func(ctx context.Context, in *createProgrammeInput) (*answer.Tagged[Programme], error) {
		p, err := s.CreateProgramme(ctx, in.Body)
		return answer.WithETag(p, p.Version, err)
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-subsidy-programmes", Method: http.MethodGet, Path: "/v1/subsidy/programmes", Tags: tags,
		Summary: "List the programmes", Description: "HR sees open programmes only.",
	}, readerRoles...), func(ctx context.Context, in *listProgrammesInput) (*answer.Body[page.Of[Programme]], error) {
		return answer.Of(s.Programmes(ctx, ProgrammeFilter{Kind: in.Kind, Year: in.Year, Status: in.Status}, in.Query))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-subsidy-programme", Method: http.MethodGet, Path: "/v1/subsidy/programmes/{id}", Tags: tags,
		Summary: "A programme with its committed, paid and remaining figures", Errors: []int{http.StatusNotFound},
	}, readerRoles...), func(ctx context.Context, in *subsidyIDInput) (*answer.Tagged[Programme], error) {
		p, err := s.Programme(ctx, in.ID)
		return answer.WithETag(p, p.Version, err)
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "update-subsidy-programme", Method: http.MethodPut, Path: "/v1/subsidy/programmes/{id}", Tags: tags,
		Summary:     "Edit a programme",
		Description: "Send the ETag of the programme as read in If-Match: a stale version is refused with 412. The kind cannot change; the budget cannot drop below the committed total (409).",
		Errors:      []int{http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed, http.StatusUnprocessableEntity},
	}, officeRoles...), func(ctx context.Context, in *updateProgrammeInput) (*answer.Tagged[Programme], error) {
		version, err := etag.Version(in.IfMatch)
		if err != nil {
			return nil, err
		}
		p, err := s.UpdateProgramme(ctx, in.ID, version, in.Body)
		return answer.WithETag(p, p.Version, err)
	})

	for _, st := range []struct {
		verb   string
		status ProgrammeStatus
		what   string
	}{{"close", ProgrammeClosed, "Close a programme to nominations, awards and applications"},
		{"reopen", ProgrammeOpen, "Reopen a closed programme"}} {
		huma.Register(api, auth.Allow(huma.Operation{
			OperationID: st.verb + "-subsidy-programme", Method: http.MethodPost,
			Path: "/v1/subsidy/programmes/{id}/" + st.verb, Tags: tags, Summary: st.what,
			Errors: []int{http.StatusNotFound, http.StatusPreconditionFailed},
		}, officeRoles...), func(ctx context.Context, in *programmeStatusInput) (*answer.Tagged[Programme], error) {
			version, err := etag.Version(in.IfMatch)
			if err != nil {
				return nil, err
			}
			p, err := s.SetProgrammeStatus(ctx, in.ID, version, st.status)
			return answer.WithETag(p, p.Version, err)
		})
	}
}
