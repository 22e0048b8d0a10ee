package auth

import (
	"net/http"
	"slices"

	"github.com/danielgtaylor/huma/v2"
)

// SecurityScheme is the name of the bearer scheme in the OpenAPI document.
const SecurityScheme = "bearer"

const (
	metaRoles  = "talentd.roles"
	metaPublic = "talentd.public"
)

// Allow declares which roles may call op, next to its registration; the HTTP layer refuses every
// other role with 403 and an anonymous caller with 401. The OpenAPI document shows the bearer
// requirement and lists the roles in the description.
func Allow(op huma.Operation, roles ...Role) huma.Operation {
	if len(roles) == 0 {
		panic("auth.Allow: " + op.OperationID + " declares no role")
	}
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata[metaRoles] = slices.Clone(roles)
	op.Security = []map[string][]string{{SecurityScheme: {}}}
	op.Errors = appendMissing(op.Errors, http.StatusUnauthorized, http.StatusForbidden)
	names := ""
	for i, r := range roles {
		if i > 0 {
			names += ", "
		}
		names += "`" + string(r) + "`"
	}
	if op.Description != "" {
		op.Description += "\n\n"
	}
	op.Description += "Roles: " + names + "."
	return op
}

// Public declares that op needs no credentials (login, health, public keys).
func Public(op huma.Operation) huma.Operation {
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata[metaPublic] = true
	return op
}

// Rule is the access rule declared for an operation.
type Rule struct {
	Declared bool
	Public   bool
	Roles    []Role
}

// RuleOf returns the access rule declared on op with Allow or Public.
func RuleOf(op *huma.Operation) Rule {
	if op == nil || op.Metadata == nil {
		return Rule{}
	}
	if pub, _ := op.Metadata[metaPublic].(bool); pub {
		return Rule{Declared: true, Public: true}
	}
	if roles, ok := op.Metadata[metaRoles].([]Role); ok {
		return Rule{Declared: true, Roles: roles}
	}
	return Rule{}
}

// Permits reports whether the rule lets role call the operation.
func (r Rule) Permits(role Role) bool { return r.Public || slices.Contains(r.Roles, role) }

func appendMissing(codes []int, add ...int) []int {
	for _, c := range add {
		if !slices.Contains(codes, c) {
			codes = append(codes, c)
		}
	}
	return codes
}
