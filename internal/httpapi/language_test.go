package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
	"talentd/internal/httpapi"
	"talentd/internal/vocab"
)

// Two lists with the same codes and different labels: only the schema's x-vocabulary can tell
// which one a field takes.
var (
	levelsA = vocab.NewList("test_level_a", vocab.T("x", "甲", "Alpha"), vocab.T("y", "乙", "Beta"))
	levelsB = vocab.NewList("test_level_b", vocab.T("x", "子", "First"), vocab.T("y", "丑", "Second"))
)

type testLevel string

func (testLevel) Schema(huma.Registry) *huma.Schema { return levelsB.Schema() }

type testPerson struct {
	Name  string      `json:"name" maxLength:"4"`
	Level testLevel   `json:"level"`
	Pets  []testPet   `json:"pets,omitempty" maxItems:"3"`
	Birth string      `json:"birth_date,omitempty" format:"date"`
	Tags  []testLevel `json:"tags,omitempty"`
}

type testPet struct {
	Name string `json:"name" minLength:"2"`
}

type personInput struct {
	Count int    `query:"count" minimum:"1"`
	Kind  string `query:"kind" enum:"csv,xlsx"`
	Body  testPerson
}

func init() {
	vocab.AddFieldLabels(map[string]vocab.Label{
		"TestPerson.name": {Zh: "人员姓名", En: "Person's name"},
		"TestPet.name":    {Zh: "宠物名", En: "Pet's name"},
		"level":           {Zh: "级别", En: "Level"},
		"pets":            {Zh: "宠物", En: "Pets"},
		"count":           {Zh: "数量", En: "Count"},
		"kind":            {Zh: "种类", En: "Kind"},
		"tags":            {Zh: "标签", En: "Tags"},
	})
}

func newPersonServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httpapi.New(httpapi.Options{Title: "test", Version: "1", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	huma.Register(srv.API, auth.Public(huma.Operation{OperationID: "person", Method: http.MethodPost, Path: "/v1/person"}),
		func(_ context.Context, _ *personInput) (*struct{}, error) { return nil, nil })
	ts := httptest.NewServer(srv.Handler)
	t.Cleanup(ts.Close)
	return ts
}

type problemBody struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Errors []struct {
		Code, Message, Location string
		Value                   any
	} `json:"errors"`
}

func post(t *testing.T, url, body, lang string) (*http.Response, problemBody) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var p problemBody
	raw, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatalf("%d: %s", res.StatusCode, raw)
	}
	return res, p
}

// TestHumaErrors_InTheReadersLanguage sends bodies and parameters that huma refuses and checks
// each field's Chinese — labelled by the object's own label where it has one, enumerations by the
// list the schema names — and that English keeps huma's text under the same codes.
func TestHumaErrors_InTheReadersLanguage(t *testing.T) {
	ts := newPersonServer(t)
	tests := []struct {
		name, query, body string
		status            int
		code              string
		want              map[string][2]string // location → code, Chinese message
	}{
		{"Body", "", `{"name":"张三李四王","level":"z","pets":[{"name":"x"}],"birth_date":"2024-02-30","tags":["x","q"]}`, 422, "invalid_fields",
			map[string][2]string{
				"body.name":         {"max_length", "人员姓名：不能超过 4 个字符"},
				"body.level":        {"enum", "级别：应为以下之一：子、丑"},
				"body.pets[0].name": {"min_length", "宠物第1项·宠物名：不能少于 2 个字符"},
				"body.birth_date":   {"format", "出生日期：应为日期，格式为“年-月-日”，如 2024-05-01"},
				"body.tags[1]":      {"enum", "标签第2项：应为以下之一：子、丑"},
			}},
		{"Required", "", `{}`, 422, "invalid_fields", map[string][2]string{
			"body.name":  {"required", "人员姓名：必须填写"},
			"body.level": {"required", "级别：必须填写"},
		}},
		{"Query", "?count=0&kind=pdf", `{"name":"张三","level":"x"}`, 422, "invalid_fields", map[string][2]string{
			"query.count": {"minimum", "数量：不能小于 1"},
			"query.kind":  {"enum", "种类：应为以下之一：csv、xlsx"},
		}},
		{"QueryType", "?count=many", `{"name":"张三","level":"x"}`, 422, "invalid_fields", map[string][2]string{
			"query.count": {"type", "数量：应为整数"},
		}},
		{"NUL", "", `{"name":"a\u0000","level":"x"}`, 400, "invalid_request", map[string][2]string{
			"body.name": {"nul_character", "人员姓名：不能包含空字符（U+0000）"},
		}},
		{"Malformed", "", `{"name":`, 400, "invalid_request", map[string][2]string{
			"body": {"malformed_json", "提交的内容不是有效的 JSON，请检查格式"},
		}},
		{"Unexpected", "", `{"name":"张三","level":"x","age":3}`, 422, "invalid_fields", map[string][2]string{
			"body.age": {"unexpected_property", "age：不是可以提交的字段，请删去"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, zh := post(t, ts.URL+"/v1/person"+tt.query, tt.body, "")
			if res.StatusCode != tt.status || zh.Code != tt.code || res.Header.Get("Content-Language") != "zh-CN" {
				t.Fatalf("got %d %s (%s), want %d %s", res.StatusCode, zh.Code, res.Header.Get("Content-Language"), tt.status, tt.code)
			}
			got := map[string][2]string{}
			for _, f := range zh.Errors {
				got[f.Location] = [2]string{f.Code, f.Message}
			}
			for loc, w := range tt.want {
				if got[loc] != w {
					t.Errorf("%s: got %q, want %q", loc, got[loc], w)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("got fields %v, want %v", got, tt.want)
			}
			_, en := post(t, ts.URL+"/v1/person"+tt.query, tt.body, "en-US,en;q=0.9")
			if en.Code != zh.Code || len(en.Errors) != len(zh.Errors) {
				t.Fatalf("English: %+v", en)
			}
			for i, f := range en.Errors {
				if f.Code != zh.Errors[i].Code || f.Location != zh.Errors[i].Location || f.Message == zh.Errors[i].Message ||
					strings.ContainsAny(f.Message, "：应不") {
					t.Errorf("English field %+v against Chinese %+v", f, zh.Errors[i])
				}
			}
		})
	}
}

// TestProblem_Summaries checks the problems huma raises about a request as a whole.
func TestProblem_Summaries(t *testing.T) {
	ts := newPersonServer(t)
	res, p := post(t, ts.URL+"/v1/person", ``, "")
	if res.StatusCode != 400 || p.Code != "body_required" || p.Detail != "请求缺少内容，请填写后再提交" || p.Title != "请求有误" {
		t.Errorf("no body: %d %+v", res.StatusCode, p)
	}
	res, p = post(t, ts.URL+"/v1/person", `{"name":"`+strings.Repeat("x", httpapi.MaxJSONBody)+`"}`, "")
	if res.StatusCode != 413 || p.Code != "payload_too_large" || !strings.HasPrefix(p.Detail, "提交的内容过大") {
		t.Errorf("too large: %d %+v", res.StatusCode, p)
	}
	res, p = post(t, ts.URL+"/v1/nowhere", `{}`, "")
	if res.StatusCode != 404 || p.Code != "not_found" || p.Title != "未找到" || res.Header.Get("Content-Language") != "zh-CN" {
		t.Errorf("unmatched route: %d %+v", res.StatusCode, p)
	}
	res, p = post(t, ts.URL+"/v1/nowhere", `{}`, "en")
	if res.StatusCode != 404 || p.Code != "not_found" || p.Title != "Not Found" || !strings.Contains(p.Detail, "no such resource") {
		t.Errorf("unmatched route in English: %d %+v", res.StatusCode, p)
	}
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/v1/person?kind=a%00b", nil)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var bad problemBody
	_ = json.NewDecoder(r.Body).Decode(&bad)
	if r.StatusCode != 400 || bad.Code != "unstorable_text" || len(bad.Errors) != 1 ||
		bad.Errors[0].Message != "种类：不能包含空字符（U+0000）" || bad.Errors[0].Code != "nul_character" {
		t.Errorf("NUL in the query: %d %+v", r.StatusCode, bad)
	}
}
