package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
	"talentd/internal/httpapi"
)

type noteInput struct {
	Tag  string `query:"tag" maxLength:"50"`
	Body struct {
		Window string   `json:"window" maxLength:"50"`
		Tags   []string `json:"tags,omitempty"`
	}
}

// newHygieneServer serves one public operation that counts how often its handler ran, so a test
// can tell that a refused request never reached it.
func newHygieneServer(t *testing.T) (*httptest.Server, *int64, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	srv := httpapi.New(httpapi.Options{Title: "t", Version: "1", Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	var calls int64
	huma.Register(srv.API, auth.Public(huma.Operation{OperationID: "note", Method: http.MethodPost, Path: "/v1/notes"}),
		func(_ context.Context, in *noteInput) (*struct{}, error) {
			atomic.AddInt64(&calls, 1)
			return nil, nil
		})
	huma.Register(srv.API, auth.Public(huma.Operation{OperationID: "explode", Method: http.MethodGet, Path: "/v1/explode"}),
		func(_ context.Context, _ *struct{}) (*struct{}, error) { panic("boom") })
	ts := httptest.NewServer(srv.Handler)
	t.Cleanup(ts.Close)
	return ts, &calls, logs
}

func send(t *testing.T, method, url, body string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res, string(raw)
}

func TestBadText_RefusedBeforeTheHandler(t *testing.T) {
	ts, calls, _ := newHygieneServer(t)
	cases := []struct {
		name, url, body, wantIn string
	}{
		{"NUL in a body string", "/v1/notes", `{"window":"x\u0000"}`, "body.window"},
		{"NUL in a nested string", "/v1/notes", `{"window":"w","tags":["ok","a\u0000b"]}`, "body.tags[1]"},
		{"NUL in a query parameter", "/v1/notes?tag=a%00b", `{"window":"w"}`, "query.tag"},
		{"invalid UTF-8 in a query parameter", "/v1/notes?tag=%FF%FE", `{"window":"w"}`, "query.tag"},
		{"NUL in the path", "/v1/notes%00", `{"window":"w"}`, "path"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := atomic.LoadInt64(calls)
			res, body := send(t, http.MethodPost, ts.URL+c.url, c.body)
			if res.StatusCode != http.StatusBadRequest || res.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d %q: %s", res.StatusCode, res.Header.Get("Content-Type"), body)
			}
			if !strings.Contains(body, c.wantIn) {
				t.Errorf("the problem does not name %s: %s", c.wantIn, body)
			}
			if atomic.LoadInt64(calls) != before {
				t.Error("the handler ran")
			}
		})
	}
	// An escaped backslash before "u0000" is not a NUL, and ordinary text passes.
	if res, body := send(t, http.MethodPost, ts.URL+"/v1/notes?tag=%E7%AA%97%E5%8F%A3", `{"window":"a\\u0000"}`); res.StatusCode != http.StatusNoContent {
		t.Errorf("harmless text refused: %d %s", res.StatusCode, body)
	}
}

func TestUnmatchedRoutes_AreProblems(t *testing.T) {
	ts, _, _ := newHygieneServer(t)
	res, body := send(t, http.MethodGet, ts.URL+"/v1/no-such-thing", "", "X-Request-ID", "rid-404")
	if res.StatusCode != http.StatusNotFound || res.Header.Get("Content-Type") != "application/problem+json" ||
		!strings.Contains(body, `"request_id":"rid-404"`) {
		t.Errorf("unknown route: %d %q %s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	res, body = send(t, http.MethodDelete, ts.URL+"/v1/notes", "")
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Content-Type") != "application/problem+json" ||
		!strings.Contains(res.Header.Get("Allow"), "POST") {
		t.Errorf("wrong method: %d %q Allow=%q %s", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Allow"), body)
	}
}

func TestPanic_CarriesRequestIDAndIsCounted(t *testing.T) {
	ts, _, logs := newHygieneServer(t)
	res, body := send(t, http.MethodGet, ts.URL+"/v1/explode", "", "X-Request-ID", "rid-panic-1")
	if res.StatusCode != http.StatusInternalServerError || !strings.Contains(body, `"request_id":"rid-panic-1"`) ||
		res.Header.Get("X-Request-ID") != "rid-panic-1" {
		t.Fatalf("panic answer: %d %s (X-Request-ID %q)", res.StatusCode, body, res.Header.Get("X-Request-ID"))
	}
	if !strings.Contains(logs.String(), `"msg":"request"`) || !strings.Contains(logs.String(), `"status":500`) ||
		!strings.Contains(logs.String(), `"operation":"explode"`) {
		t.Errorf("the panic is not in the access log: %s", logs.String())
	}
	_, metrics := send(t, http.MethodGet, ts.URL+"/metrics", "")
	if !strings.Contains(metrics, `talentd_http_requests_total{method="GET",operation="explode",status="500"} 1`) {
		t.Errorf("the panic is not counted:\n%s", grepLines(metrics, "http_requests_total"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
