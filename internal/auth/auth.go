// Package auth holds accounts, their login sessions and API keys, the roles of DESIGN.md, the
// principal that a request acts as, and the per-operation role declarations that the HTTP layer
// enforces.
package auth

import (
	"context"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/errs"
	"talentd/internal/vocab"
)

// Role is what an account may do; the values are stored in accounts.role.
type Role string

// The roles of DESIGN.md.
const (
	RoleAdmin         Role = "admin"
	RoleTalentOffice  Role = "talent_office"
	RoleEnterpriseHR  Role = "enterprise_hr"
	RoleServiceWindow Role = "service_window"
	RoleCommissioner  Role = "commissioner"
	RoleHousingOffice Role = "housing_office"
	RoleFinance       Role = "finance"
)

// AllRoles lists every role, in the order the docs present them.
var AllRoles = []Role{RoleAdmin, RoleTalentOffice, RoleEnterpriseHR, RoleServiceWindow,
	RoleCommissioner, RoleHousingOffice, RoleFinance}

// RoleVocab is the roles with their labels, in the order of AllRoles: the API schema of a role,
// the labels of GET /v1/vocabularies and the database's CHECK constraint (held to it by a test)
// all come from it.
var RoleVocab = vocab.NewList("role",
	vocab.T(string(RoleAdmin), "系统管理员", "System administrator"),
	vocab.T(string(RoleTalentOffice), "人才办", "Talent office"),
	vocab.T(string(RoleEnterpriseHR), "企业人事", "Enterprise HR"),
	vocab.T(string(RoleServiceWindow), "服务窗口", "Service window"),
	vocab.T(string(RoleCommissioner), "人才服务专员", "Talent service commissioner"),
	vocab.T(string(RoleHousingOffice), "住房保障", "Housing office"),
	vocab.T(string(RoleFinance), "财政", "Finance bureau"),
)

// Valid reports whether r is one of AllRoles.
func (r Role) Valid() bool { return slices.Contains(AllRoles, r) }

// Schema describes a role in the OpenAPI document: one of RoleVocab's codes.
func (Role) Schema(huma.Registry) *huma.Schema { return RoleVocab.Schema() }

// Principal is who a request acts as.
type Principal struct {
	AccountID int64
	Username  string
	Role      Role
	// EnterpriseID is the enterprise an enterprise_hr account is bound to; 0 for every other role.
	EnterpriseID int64
	// TokenID is the session or API key the request presented; 0 for the command line.
	TokenID int64
}

// System is the principal of changes made from the command line (bootstrap, seeding, migrations).
var System = Principal{Username: "system", Role: RoleAdmin}

type principalKey struct{}

// WithPrincipal returns ctx acting as p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal ctx acts as.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// ErrUnauthenticated is returned when a request carries no valid credentials.
var ErrUnauthenticated = errs.New(errs.Unauthenticated, "unauthenticated", "请先登录：请求未带有效的登录凭证，或登录已过期",
	"authentication required: send Authorization: Bearer <token>")

// ErrForbidden is returned when the caller's role may not perform the operation.
var ErrForbidden = errs.New(errs.Forbidden, "forbidden", "您的角色无权进行此项操作", "your role may not perform this operation")

// MustPrincipal returns the principal in ctx or ErrUnauthenticated; services call it so that a
// missing principal can never be mistaken for an all-powerful one.
func MustPrincipal(ctx context.Context) (Principal, error) {
	p, ok := FromContext(ctx)
	if !ok {
		return Principal{}, ErrUnauthenticated
	}
	return p, nil
}

// Require returns the principal in ctx when its role is one of roles: ErrUnauthenticated without
// a principal, ErrForbidden for another role. Every service method that changes state calls it
// (or Reaches.Scope), so the rule holds whoever calls the service, not only the HTTP layer.
func Require(ctx context.Context, roles ...Role) (Principal, error) {
	p, err := MustPrincipal(ctx)
	if err != nil {
		return Principal{}, err
	}
	if !slices.Contains(roles, p.Role) {
		return Principal{}, ErrForbidden
	}
	return p, nil
}

// Is reports whether p has one of roles.
func (p Principal) Is(roles ...Role) bool { return slices.Contains(roles, p.Role) }

// ActorID is the account to record as the actor of a change: nil for the command line's System.
func (p Principal) ActorID() *int64 {
	if p.AccountID == 0 {
		return nil
	}
	id := p.AccountID
	return &id
}

// Account is a person or machine client that can sign in.
type Account struct {
	ID           int64     `db:"id"`
	Username     string    `db:"username"`
	DisplayName  string    `db:"display_name"`
	Role         Role      `db:"role"`
	EnterpriseID *int64    `db:"enterprise_id"`
	Active       bool      `db:"active"`
	Version      int       `db:"version"`
	CreatedAt    time.Time `db:"created_at"`
	UpdatedAt    time.Time `db:"updated_at"`
}

// Token kinds stored in auth_tokens.kind.
const (
	KindSession = "session"
	KindAPIKey  = "api_key"
)

// APIKey describes a machine client's key; the secret itself is shown only once, at creation.
type APIKey struct {
	ID         int64      `db:"id" json:"id"`
	AccountID  int64      `db:"account_id" json:"account_id"`
	Name       string     `db:"name" json:"name"`
	CreatedAt  time.Time  `db:"created_at" json:"created_at"`
	ExpiresAt  *time.Time `db:"expires_at" json:"expires_at,omitempty"`
	RevokedAt  *time.Time `db:"revoked_at" json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `db:"last_used_at" json:"last_used_at,omitempty"`
}
