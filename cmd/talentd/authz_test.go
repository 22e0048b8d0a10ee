package main

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
)

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// TestAuthorizationMatrix calls every registered operation as every role and as nobody, and checks
// the outcome against the rule the operation declared: an operation registered without a rule
// fails here, and so does any role the HTTP layer lets through against its rule.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ops := operations(newHTTP(nil, e.svc, discardLog()).API.OpenAPI())
	if len(ops) < 15 {
		t.Fatalf("only %d operations registered", len(ops))
	}
	for _, op := range ops {
		rule := auth.RuleOf(op)
		name := op.Method + " " + op.Path
		if !rule.Declared {
			t.Errorf("%s (%s) declares no access rule: use auth.Allow or auth.Public", name, op.OperationID)
			continue
		}
		// Path ids point at enterprise X's objects, which HR of X owns: a refusal can only come
		// from the role check, never from scoping.
		path := pathParam.ReplaceAllString(op.Path, "1")
		var body any
		if op.RequestBody != nil {
			body = "{}"
		}
		anon := e.call(op.Method, path, "", body)
		if rule.Public {
			if anon.Status == http.StatusUnauthorized || anon.Status == http.StatusForbidden {
				t.Errorf("%s is public but refused an anonymous caller with %d", name, anon.Status)
			}
		} else if anon.Status != http.StatusUnauthorized {
			t.Errorf("%s anonymous: got %d, want 401", name, anon.Status)
		}
		for _, role := range auth.AllRoles {
			user := roleUser[role]
			e.tokens[user] = e.newKey(user) // a fresh key: logout revokes the one it is called with
			got := e.call(op.Method, path, user, body)
			switch {
			case rule.Permits(role) && (got.Status == http.StatusUnauthorized || got.Status == http.StatusForbidden):
				t.Errorf("%s as %s: got %d, but the rule allows the role: %s", name, role, got.Status, got.Body)
			case !rule.Permits(role) && got.Status != http.StatusForbidden:
				t.Errorf("%s as %s: got %d, want 403", name, role, got.Status)
			}
			if got.Status >= 500 {
				t.Errorf("%s as %s: server error %d: %s", name, role, got.Status, got.Body)
			}
		}
	}
}

// operations lists every operation of the document, in a stable order.
func operations(doc *huma.OpenAPI) []*huma.Operation {
	var out []*huma.Operation
	for _, item := range doc.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Post, item.Put, item.Patch, item.Delete} {
			if op != nil {
				out = append(out, op)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Path+out[i].Method < out[j].Path+out[j].Method
	})
	return out
}

// TestOpenAPI_DocumentsSecurity checks that the document shows the bearer requirement and the
// allowed roles on every protected operation.
func TestOpenAPI_DocumentsSecurity(t *testing.T) {
	svc, err := newServices(nil, testSecrets(), &config{}, discardLog())
	if err != nil {
		t.Fatal(err)
	}
	doc := newHTTP(nil, svc, discardLog()).API.OpenAPI()
	if doc.Components.SecuritySchemes[auth.SecurityScheme] == nil {
		t.Fatal("no bearer security scheme in the document")
	}
	for _, op := range operations(doc) {
		rule := auth.RuleOf(op)
		if rule.Public {
			continue
		}
		if len(op.Security) != 1 || op.Security[0][auth.SecurityScheme] == nil {
			t.Errorf("%s %s: missing bearer security requirement", op.Method, op.Path)
		}
		if !strings.Contains(op.Description, "Roles:") {
			t.Errorf("%s %s: description does not list the roles", op.Method, op.Path)
		}
	}
}
