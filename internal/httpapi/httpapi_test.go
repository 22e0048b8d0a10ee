package httpapi_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	_ "github.com/lib/pq"

	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/httpapi"
	"talentd/internal/postgres"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type echoInput struct {
	Kind string `path:"kind"`
}

// newServer builds the HTTP layer with test operations that fail in each way a handler can.
func newServer(t *testing.T) (*httptest.Server, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	srv := httpapi.New(httpapi.Options{Title: "test", Version: "1", Logger: log,
		Authenticate: func(_ context.Context, token string) (auth.Principal, error) {
			if token == "good" {
				return auth.Principal{AccountID: 7, Username: "u", Role: auth.RoleFinance}, nil
			}
			return auth.Principal{}, auth.ErrUnauthenticated
		}})
	huma.Register(srv.API, auth.Allow(huma.Operation{OperationID: "fail", Method: http.MethodGet, Path: "/v1/fail/{kind}"},
		auth.RoleFinance), func(_ context.Context, in *echoInput) (*struct{}, error) {
		switch in.Kind {
		case "driver":
			return nil, fmt.Errorf("store: %w", errors.New(`pq: relation "secret_table" does not exist`))
		case "panic":
			panic("boom")
		case "notfound":
			return nil, fmt.Errorf("wrapped: %w", errs.New(errs.NotFound, "widget_not_found", "未找到该部件", "widget not found"))
		case "throttled":
			return nil, errs.New(errs.TooManyRequests, "slow_down", "请慢一些", "slow down").RetryAfter(42)
		case "fields":
			return nil, errs.Fields(errs.Field("body.x", "not_y", "x：应为 y", "must be y", 3))
		case "huma":
			return nil, huma.Error409Conflict("already there")
		case "untranslated":
			return nil, &errs.Error{Kind: errs.Conflict, Message: "english only"}
		}
		return nil, nil
	})
	huma.Register(srv.API, huma.Operation{OperationID: "undeclared", Method: http.MethodGet, Path: "/v1/undeclared"},
		func(_ context.Context, _ *struct{}) (*struct{}, error) { return nil, nil })
	ts := httptest.NewServer(srv.Handler)
	t.Cleanup(ts.Close)
	return ts, logs
}

func get(t *testing.T, url string, headers ...string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return res, m
}

func TestErrorMapping(t *testing.T) {
	ts, logs := newServer(t)
	auth := []string{"Authorization", "Bearer good"}

	res, body := get(t, ts.URL+"/v1/fail/driver", append(auth, "X-Request-ID", "req-driver-1", "Accept-Language", "en")...)
	if res.StatusCode != 500 || body["detail"] != "an unexpected error occurred" || body["request_id"] != "req-driver-1" ||
		body["code"] != "internal" {
		t.Errorf("driver error: %d %v", res.StatusCode, body)
	}
	if strings.Contains(fmt.Sprint(body), "secret_table") {
		t.Error("driver text reached the client")
	}
	if !strings.Contains(logs.String(), "secret_table") || !strings.Contains(logs.String(), "req-driver-1") {
		t.Error("the unexpected error was not logged in full with its request id")
	}

	res, body = get(t, ts.URL+"/v1/fail/panic", auth...)
	if res.StatusCode != 500 || body["request_id"] == nil || body["code"] != "internal" || body["title"] != "系统内部错误" ||
		res.Header.Get("Content-Language") != "zh-CN" {
		t.Errorf("panic: %d %v", res.StatusCode, body)
	}

	res, body = get(t, ts.URL+"/v1/fail/notfound", auth...)
	if res.StatusCode != 404 || body["detail"] != "未找到该部件" || body["title"] != "未找到" || body["code"] != "widget_not_found" ||
		res.Header.Get("Content-Type") != "application/problem+json" || res.Header.Get("Content-Language") != "zh-CN" {
		t.Errorf("not found: %d %v %v", res.StatusCode, body, res.Header)
	}
	res, body = get(t, ts.URL+"/v1/fail/notfound", append(auth, "Accept-Language", "en-US,en;q=0.9")...)
	if body["detail"] != "widget not found" || body["title"] != "Not Found" || body["code"] != "widget_not_found" ||
		res.Header.Get("Content-Language") != "en" {
		t.Errorf("not found in English: %d %v", res.StatusCode, body)
	}
	res, body = get(t, ts.URL+"/v1/fail/huma", auth...)
	if res.StatusCode != 409 || body["code"] != "conflict" || body["title"] != "冲突" || body["detail"] != "冲突（already there）" {
		t.Errorf("a huma error a handler returns: %d %v", res.StatusCode, body)
	}
	res, body = get(t, ts.URL+"/v1/fail/huma", append(auth, "Accept-Language", "en")...)
	if body["code"] != "conflict" || body["title"] != "Conflict" || body["detail"] != "already there" || res.Header.Get("Content-Language") != "en" {
		t.Errorf("a huma error a handler returns, in English: %d %v", res.StatusCode, body)
	}
	res, body = get(t, ts.URL+"/v1/fail/untranslated", auth...)
	if res.StatusCode != 409 || body["detail"] != "english only" || body["code"] != "conflict" {
		t.Errorf("an error without code or Chinese: %d %v", res.StatusCode, body)
	}

	res, _ = get(t, ts.URL+"/v1/fail/throttled", auth...)
	if res.StatusCode != 429 || res.Header.Get("Retry-After") != "42" {
		t.Errorf("throttled: %d Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}

	res, body = get(t, ts.URL+"/v1/fail/fields", auth...)
	details, _ := body["errors"].([]any)
	if res.StatusCode != 422 || len(details) != 1 || fmt.Sprint(details[0]) != "map[code:not_y location:body.x message:x：应为 y value:3]" {
		t.Errorf("fields: %d %v", res.StatusCode, body)
	}

	res, _ = get(t, ts.URL+"/v1/fail/ok")
	if res.StatusCode != 401 || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("anonymous: %d %q", res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}
	res, _ = get(t, ts.URL+"/v1/fail/ok", "Authorization", "Bearer bad")
	if res.StatusCode != 401 {
		t.Errorf("bad token: %d", res.StatusCode)
	}
	res, body = get(t, ts.URL+"/v1/undeclared", auth...)
	if res.StatusCode != 403 || body["code"] != "operation_closed" {
		t.Errorf("an operation without an access rule must be refused, got %d", res.StatusCode)
	}
}

func TestRequestID(t *testing.T) {
	ts, _ := newServer(t)
	res, _ := get(t, ts.URL+"/healthz", "X-Request-ID", "abc-123")
	if res.Header.Get("X-Request-ID") != "abc-123" {
		t.Errorf("propagated id: %q", res.Header.Get("X-Request-ID"))
	}
	res, _ = get(t, ts.URL+"/healthz", "X-Request-ID", "evil\tid with spaces and more")
	if id := res.Header.Get("X-Request-ID"); id == "" || strings.Contains(id, "evil") {
		t.Errorf("unsafe id must be replaced, got %q", id)
	}
}

func TestAccessLog_NoQueryOrSecrets(t *testing.T) {
	ts, logs := newServer(t)
	get(t, ts.URL+"/v1/fail/notfound?q=500227199001011234", "Authorization", "Bearer good")
	out := logs.String()
	if !strings.Contains(out, `"operation":"fail"`) || !strings.Contains(out, `"status":404`) {
		t.Errorf("access log lacks operation or status: %s", out)
	}
	if strings.Contains(out, "500227199001011234") || strings.Contains(out, "Bearer") {
		t.Errorf("access log leaks the query or the token: %s", out)
	}
}

// TestReadyz follows the database: ready while it answers, 503 while it is down, ready again
// when it returns — without restarting the HTTP layer.
func TestReadyz(t *testing.T) {
	if _, err := postgres.FindBinaries(); err != nil && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	dir := t.TempDir()
	for d := dir; d != filepath.Dir(d) && d != os.TempDir(); d = filepath.Dir(d) {
		_ = os.Chmod(d, 0o755)
	}
	ctx := context.Background()
	cl, err := postgres.StartCluster(ctx, dir, "talentd", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.Stop(context.Background()) })
	db, err := sql.Open("postgres", cl.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv := httptest.NewServer(httpapi.New(httpapi.Options{Title: "t", Version: "1", DB: db,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler)
	defer srv.Close()

	status := func() int {
		res, _ := get(t, srv.URL+"/readyz")
		return res.StatusCode
	}
	if s := status(); s != 200 {
		t.Fatalf("ready: %d", s)
	}
	if err := cl.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if s := status(); s != http.StatusServiceUnavailable {
		t.Errorf("database down: %d, want 503", s)
	}
	if res, _ := get(t, srv.URL+"/healthz"); res.StatusCode != 200 {
		t.Error("liveness must not depend on the database")
	}
	cl, err = postgres.StartCluster(ctx, dir, "talentd", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := status(); s != 200 {
		t.Errorf("database back: %d, want 200", s)
	}
}
