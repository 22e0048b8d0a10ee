package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/vocab"
	"talentd/talent"
)

// problemJSON is a problem+json body as a client reads it.
type problemJSON struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Errors []struct {
		Code     string `json:"code"`
		Message  string `json:"message"`
		Location string `json:"location"`
	} `json:"errors"`
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// TestErrors_InTheReadersLanguage: a request that says nothing of its language reads Chinese — the
// title, the detail and every field's message — and one that prefers English reads English; the
// codes are the same in both. One error of each path: huma's validation, a domain rule, not
// found, not signed in, a conflict.
func TestErrors_InTheReadersLanguage(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	badEducation := newTalentBody(talent.GradeC)
	badEducation["education"] = "phd"
	newAccount := func(username, password string) map[string]any {
		return map[string]any{"username": username, "display_name": "李明", "password": password, "role": "finance"}
	}
	tests := []struct {
		name, method, path, user string
		body                     any
		status                   int
		code                     string
		field                    string // location of the field error expected, with its code
		fieldCode, fieldZh       string
	}{
		{"HumaEnum", "POST", "/v1/talents", "hr-x", badEducation, 422, "invalid_fields",
			"body.education", "enum", "学历：应为以下之一：博士、硕士、本科、大专、其他"},
		{"DomainRule", "POST", "/v1/accounts", "admin", newAccount("clerk-li", "1234567890"), 422, "weak_password",
			"body.password", "password_sequence", "密码：不能是连续的字母或数字"},
		{"NotFound", "GET", "/v1/accounts/999999", "admin", nil, 404, "account_not_found", "", "", ""},
		{"Unauthenticated", "GET", "/v1/auth/me", "", nil, 401, "unauthenticated", "", "", ""},
		{"Conflict", "POST", "/v1/accounts", "admin", newAccount("office", "a-long-password-9"), 409, "username_taken", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			read := func(lang string) (response, problemJSON) {
				r := e.call(tt.method, tt.path, tt.user, tt.body, "Accept-Language", lang)
				mustStatus(t, r, tt.status, tt.name+" "+lang)
				var p problemJSON
				if err := json.Unmarshal(r.Body, &p); err != nil {
					t.Fatal(err)
				}
				return r, p
			}
			rz, zh := read("")
			re, en := read("en-US,en;q=0.9")
			if zh.Code != tt.code || en.Code != tt.code {
				t.Errorf("codes %q (zh), %q (en), want %q", zh.Code, en.Code, tt.code)
			}
			if !hasHan(zh.Title) || !hasHan(zh.Detail) || rz.Header.Get("Content-Language") != "zh-CN" {
				t.Errorf("not Chinese: %+v, Content-Language %q", zh, rz.Header.Get("Content-Language"))
			}
			if hasHan(en.Title) || hasHan(en.Detail) || en.Detail == "" || re.Header.Get("Content-Language") != "en" {
				t.Errorf("not English: %+v, Content-Language %q", en, re.Header.Get("Content-Language"))
			}
			if len(zh.Errors) != len(en.Errors) {
				t.Fatalf("field errors differ: %+v / %+v", zh.Errors, en.Errors)
			}
			for i, f := range zh.Errors {
				if g := en.Errors[i]; g.Code != f.Code || g.Location != f.Location || !hasHan(f.Message) || hasHan(g.Message) {
					t.Errorf("field %d: zh %+v, en %+v", i, f, g)
				}
			}
			if tt.field == "" {
				return
			}
			found := false
			for _, f := range zh.Errors {
				if f.Location == tt.field {
					found = true
					if f.Code != tt.fieldCode || f.Message != tt.fieldZh {
						t.Errorf("%s: %q %q, want %q %q", f.Location, f.Code, f.Message, tt.fieldCode, tt.fieldZh)
					}
				}
			}
			if !found {
				t.Errorf("no error for %s: %+v", tt.field, zh.Errors)
			}
		})
	}
}

// TestFieldLabels_CoverTheAPI walks the OpenAPI document and fails for any request body property
// or parameter without a Chinese label, so that no operation can name a field to a clerk by its
// JSON name.
func TestFieldLabels_CoverTheAPI(t *testing.T) {
	svc, err := newServices(nil, testSecrets(), &config{}, discardLog())
	if err != nil {
		t.Fatal(err)
	}
	doc := newHTTP(nil, svc, discardLog()).API.OpenAPI()
	reg := doc.Components.Schemas
	missing := map[string]bool{}
	need := func(owner, name string) {
		if l, ok := vocab.LookupFieldLabel(owner, name); !ok || !hasHan(l.Zh) || l.En == "" {
			missing[strings.TrimPrefix(owner+"."+name, ".")] = true
		}
	}
	seen := map[*huma.Schema]bool{}
	var walk func(owner string, s *huma.Schema)
	walk = func(owner string, s *huma.Schema) {
		if s != nil && s.Ref != "" {
			owner = s.Ref[strings.LastIndexByte(s.Ref, '/')+1:]
			s = reg.SchemaFromRef(s.Ref)
		}
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		for name, p := range s.Properties {
			if !strings.HasPrefix(name, "$") {
				need(owner, name)
			}
			walk("", p)
		}
		walk("", s.Items)
		for _, sub := range append(append(s.OneOf, s.AnyOf...), s.AllOf...) {
			walk(owner, sub)
		}
	}
	for _, op := range operations(doc) {
		for _, p := range op.Parameters {
			need("", p.Name)
		}
		if op.RequestBody != nil {
			for _, media := range op.RequestBody.Content {
				walk("", media.Schema)
			}
		}
	}
	for name := range missing {
		t.Errorf("field %s has no Chinese label: add it to internal/vocab's table or the slice's AddFieldLabels", name)
	}
}

// TestVocabularies lists the enumerations with their labels to anyone, with an ETag that answers
// 304 while nothing changed.
func TestVocabularies(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	r := e.call("GET", "/v1/vocabularies", "", nil)
	mustStatus(t, r, http.StatusOK, "vocabularies")
	var lists map[string][]vocab.Term
	if err := json.Unmarshal(r.Body, &lists); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"role", "grade", "education", "title", "skill_level", "honour", "talent_status", "gender"} {
		if len(lists[name]) == 0 {
			t.Errorf("list %s missing: %v", name, lists)
		}
		for _, term := range lists[name] {
			if term.Code == "" || !hasHan(term.Zh) && name != "grade" || term.En == "" {
				t.Errorf("%s: incomplete term %+v", name, term)
			}
		}
	}
	if roles := lists["role"]; len(roles) != 7 || roles[1].Code != "talent_office" || roles[1].Zh != "人才办" {
		t.Errorf("roles: %+v", roles)
	}
	tag := r.Header.Get("ETag")
	if tag == "" || !strings.Contains(r.Header.Get("Cache-Control"), "max-age") {
		t.Errorf("caching headers: %v", r.Header)
	}
	again := e.call("GET", "/v1/vocabularies", "window", nil, "If-None-Match", tag)
	mustStatus(t, again, http.StatusNotModified, "unchanged vocabularies")
	if len(again.Body) != 0 || again.Header.Get("ETag") != tag {
		t.Errorf("304: %q %v", again.Body, again.Header)
	}
	mustStatus(t, e.call("GET", "/v1/vocabularies", "", nil, "If-None-Match", `"stale"`), http.StatusOK, "changed vocabularies")
}
