package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"talentd/talent"
)

// Hostile values for parameters (sent URL-encoded) and for JSON body fields. They are what a
// careless or hostile client sends: NUL, invalid UTF-8, bidi overrides, huge and negative numbers,
// numbers past int32 and int64, wrong types, impossible and year-0 dates, overlong strings.
var (
	hostileParams = []string{"a\x00b", "\xff\xfe", "\u202egnp.exe", strings.Repeat("字", 10_000), "-1",
		"2147483648", "9223372036854775808", "-9223372036854775809", "1e309", "{}",
		"0000-01-01", "2024-02-30", "0000-01-01T00:00:00Z", "' OR '1'='1"}
	hostileJSON = []string{`"a\u0000b"`, `"\u202egnp.exe"`, `"` + strings.Repeat("x", 10_000) + `"`, `-1`,
		`2147483648`, `9223372036854775808`, `-9223372036854775809`, `1e309`, `true`, `null`, `{}`,
		`[{"a":"\u0000"}]`, `"0000-01-01"`, `"2024-02-30"`, "\"\xff\xfe\""}
	// Whole bodies that are not what any operation takes.
	hostileBodies = []string{``, `{`, `[]`, `"x"`, `null`, `{"a":` + strings.Repeat(`[`, 5000), "\x00\x01\x02",
		`{"__proto__":{"x":1}}`}
)

// dbFingerprint changes whenever a row of any table is inserted, updated or deleted (row counts and
// the newest row version of each table). auth_tokens is counted only: reading with a token touches
// its last-use time. card_verifications is left out: every scan is logged, by design, and the log
// is written in batches after the answer, so its lines land during later requests.
func dbFingerprint(t *testing.T, e *testEnv) string {
	t.Helper()
	var tables []string
	if err := e.db.Select(&tables, `SELECT tablename FROM pg_tables WHERE schemaname = 'public'
		AND tablename <> 'card_verifications' ORDER BY tablename`); err != nil {
		t.Fatal(err)
	}
	parts := make([]string, 0, len(tables))
	for _, tb := range tables {
		expr := `count(*)::text || '/' || coalesce(max(xmin::text::bigint), 0)::text`
		if tb == "auth_tokens" {
			expr = `count(*)::text`
		}
		parts = append(parts, fmt.Sprintf(`SELECT %s || ':' || (SELECT %s FROM %q)`, pqQuote(tb), expr, tb))
	}
	var out []string
	if err := e.db.Select(&out, strings.Join(parts, " UNION ALL ")); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func pqQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// TestOpenAPI_HostileInputs walks every operation of the OpenAPI document and sends, for every
// parameter and every body field, each hostile value, as the administrator (who may call every
// operation, so the requests get past authorisation to the code that parses and stores). Nothing
// may answer 5xx, and a refused request (4xx) must leave the database as it was. New operations
// are covered as soon as they are registered.
func TestOpenAPI_HostileInputs(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	reg := e.registered(t, newTalentBody(talent.GradeC))
	e.addAccount("spare", "finance", nil)
	doc := newHTTP(nil, e.svc, discardLog()).API.OpenAPI()
	schemas := doc.Components.Schemas

	// Ids that exist, so that hostile values reach past the lookup of the object they change.
	pathValue := func(path, name string) string {
		switch {
		case strings.HasPrefix(path, "/v1/accounts/"):
			return strconv.FormatInt(e.acct["spare"].ID, 10)
		case strings.HasPrefix(path, "/v1/talents/"):
			return strconv.FormatInt(reg.ID, 10)
		case strings.HasPrefix(path, "/v1/enterprises/"):
			return strconv.FormatInt(e.entY.ID, 10)
		case name == "serial":
			var serial string
			_ = e.db.Get(&serial, `SELECT serial FROM cards WHERE talent_id = $1 LIMIT 1`, reg.ID)
			return serial
		case name == "code":
			return "health_check"
		}
		return "1"
	}

	sent, refused := 0, 0
	last := dbFingerprint(t, e) // the database as the previous request left it
	check := func(op *huma.Operation, what string, req *http.Request) {
		t.Helper()
		before := last
		req.Header.Set("Authorization", "Bearer "+e.tokens["admin"])
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s %s: %v", op.Method, op.Path, what, err)
		}
		body, _ := io.ReadAll(io.LimitReader(res.Body, 2048))
		// Read to the end: a streamed answer (an export) ends only when its handler has returned,
		// with its audit record written, so the next fingerprint sees all this request changed.
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		sent++
		last = dbFingerprint(t, e)
		if res.StatusCode >= 500 {
			t.Errorf("%s %s %s: %d %s", op.Method, op.Path, what, res.StatusCode, body)
			return
		}
		if res.StatusCode >= 400 {
			refused++
			if isProblem(res) && !problemInChinese(res, body) {
				t.Errorf("%s %s %s: %d is not a coded problem in Chinese: %s %s", op.Method, op.Path, what, res.StatusCode,
					res.Header.Get("Content-Language"), body)
			}
			if after := last; after != before {
				t.Errorf("%s %s %s: refused with %d but the database changed:\n%s\n%s", op.Method, op.Path, what,
					res.StatusCode, before, after)
			}
		}
	}
	build := func(op *huma.Operation, params map[string]string, body []byte) *http.Request {
		path := op.Path
		q := url.Values{}
		var headers [][2]string
		for _, p := range op.Parameters {
			v, set := params[p.Name]
			switch p.In {
			case "path":
				if !set {
					v = pathValue(op.Path, p.Name)
				}
				path = strings.ReplaceAll(path, "{"+p.Name+"}", url.PathEscape(v))
			case "query":
				if set {
					q.Set(p.Name, v)
				}
			case "header":
				if set {
					headers = append(headers, [2]string{p.Name, v})
				}
			}
		}
		u := e.srv.URL + path
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequest(op.Method, u, rd)
		if err != nil {
			t.Fatal(err)
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		for _, h := range headers {
			req.Header[http.CanonicalHeaderKey(h[0])] = []string{h[1]}
		}
		return req
	}

	for _, op := range operations(doc) {
		if op.OperationID == "logout" {
			continue // would end the session the walk runs on
		}
		var bodySchema *huma.Schema
		if op.RequestBody != nil {
			if mt := op.RequestBody.Content["application/json"]; mt != nil && mt.Schema != nil {
				bodySchema = resolve(schemas, mt.Schema)
			}
		}
		base := map[string]any{}
		if bodySchema != nil {
			base = sampleObject(schemas, bodySchema)
		}
		baseBody := func() []byte {
			if op.RequestBody == nil {
				return nil
			}
			b, _ := json.Marshal(base)
			return b
		}
		for _, p := range op.Parameters {
			if p.In == "cookie" {
				continue
			}
			for _, v := range hostileParams {
				if p.In == "header" && (strings.ContainsAny(v, "\x00\t") || !utf8Printable(v)) {
					continue // net/http will not send these; the server would refuse them before us
				}
				check(op, fmt.Sprintf("%s %s=%.40q", p.In, p.Name, v), build(op, map[string]string{p.Name: v}, baseBody()))
			}
		}
		if op.RequestBody == nil {
			continue
		}
		for _, raw := range hostileBodies {
			check(op, fmt.Sprintf("body %.40q", raw), build(op, nil, []byte(raw)))
		}
		if bodySchema == nil {
			continue
		}
		for _, field := range sortedKeys(bodySchema.Properties) {
			for _, v := range hostileJSON {
				obj := map[string]json.RawMessage{}
				_ = json.Unmarshal(baseBody(), &obj)
				obj[field] = json.RawMessage(v)
				raw, _ := json.Marshal(obj)
				if !json.Valid([]byte(v)) || strings.Contains(v, "\xff") {
					raw = rawWithField(obj, field, v) // json.Marshal would have repaired the invalid UTF-8
				}
				check(op, fmt.Sprintf("body.%s=%.40s", field, v), build(op, nil, raw))
			}
		}
	}
	t.Logf("sent %d hostile requests, %d refused with 4xx", sent, refused)
	if sent < 500 {
		t.Errorf("only %d requests: the walk did not find the operations", sent)
	}
}

// untranslated marks a message the error mapping did not recognise (it quotes the English in
// parentheses): every text huma raises for these inputs must have its Chinese.
var untranslated = regexp.MustCompile(`填写有误（`)

// isProblem reports whether a response is a problem (an import's refusal is its row report).
func isProblem(res *http.Response) bool {
	return strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json")
}

// problemInChinese reports whether a refusal, asked in no particular language, is a problem with
// a code, written in Chinese (the start of its body is enough: the code comes before the errors).
func problemInChinese(res *http.Response, body []byte) bool {
	return res.Header.Get("Content-Language") == "zh-CN" && bytes.Contains(body, []byte(`"code":"`)) &&
		!untranslated.Match(body)
}

// rawWithField writes obj as JSON with field's value spliced in verbatim.
func rawWithField(obj map[string]json.RawMessage, field, v string) []byte {
	delete(obj, field)
	b, _ := json.Marshal(obj)
	key, _ := json.Marshal(field)
	if len(obj) == 0 {
		return []byte("{" + string(key) + ":" + v + "}")
	}
	return append([]byte("{"+string(key)+":"+v+","), b[1:]...)
}

func utf8Printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0xFFFD || r > 0x7e {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]*huma.Schema) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// resolve follows a $ref into the registry.
func resolve(reg huma.Registry, s *huma.Schema) *huma.Schema {
	for s != nil && s.Ref != "" {
		s = reg.SchemaFromRef(s.Ref)
	}
	return s
}

// sampleObject builds a plausible value for each required property, so that one hostile field at
// a time meets otherwise ordinary input.
func sampleObject(reg huma.Registry, s *huma.Schema) map[string]any {
	out := map[string]any{}
	for _, name := range s.Required {
		if p := resolve(reg, s.Properties[name]); p != nil {
			out[name] = sampleValue(reg, p)
		}
	}
	return out
}

func sampleValue(reg huma.Registry, s *huma.Schema) any {
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	if len(s.Examples) > 0 {
		return s.Examples[0]
	}
	switch s.Type {
	case huma.TypeString:
		if s.Format == "date" {
			return "2020-01-02"
		}
		if s.Format == "date-time" {
			return "2020-01-02T03:04:05Z"
		}
		n := 1
		if s.MinLength != nil && *s.MinLength > 1 {
			n = *s.MinLength
		}
		return strings.Repeat("1", n)
	case huma.TypeInteger, huma.TypeNumber:
		if s.Minimum != nil {
			return *s.Minimum
		}
		return 1
	case huma.TypeBoolean:
		return false
	case huma.TypeArray:
		return []any{}
	case huma.TypeObject:
		return sampleObject(reg, s)
	}
	return nil
}
