package audit

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/page"
)

type listAuditInput struct {
	EntityType string    `query:"entity_type" maxLength:"64" doc:"Only records about this kind of entity, e.g. enterprise"`
	EntityID   string    `query:"entity_id" maxLength:"64" doc:"Only records about this entity id (with entity_type)"`
	ActorID    int64     `query:"actor_id" minimum:"0" doc:"Only changes made by this account"`
	Action     string    `query:"action" maxLength:"64" doc:"Only this action, e.g. enterprise.update"`
	From       time.Time `query:"from" doc:"Records at or after this time (RFC 3339)"`
	To         time.Time `query:"to" doc:"Records before this time (RFC 3339)"`
	page.Query
}

type listAuditOutput struct {
	Body page.Of[Record]
}

// Register adds the audit-log operations to api.
func Register(api huma.API, s *Service) {
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-audit-records",
		Method:      http.MethodGet,
		Path:        "/v1/audit",
		Summary:     "List audit records",
		Description: "The append-only record of every change: who, when, what changed (identity numbers masked), newest first.",
		Tags:        []string{"Audit"},
	}, auth.RoleAdmin, auth.RoleTalentOffice), func(ctx context.Context, in *listAuditInput) (*listAuditOutput, error) {
		if !in.From.IsZero() && !in.To.IsZero() && !in.From.Before(in.To) {
			return nil, errs.Fields(errs.Field("query.to", "range", "截止时间：应晚于起始时间", "must be after from", in.To))
		}
		res, err := s.List(ctx, Filter{EntityType: in.EntityType, EntityID: in.EntityID, ActorID: in.ActorID,
			Action: in.Action, From: in.From, To: in.To}, in.Query)
		if err != nil {
			return nil, err
		}
		return &listAuditOutput{Body: res}, nil
	})
}
