package httpapi_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/httpapi"
)

// outageErrs are database outages as they reach a handler without passing postgres.Translate.
var outageErrs = map[string]error{
	"refused": fmt.Errorf("get enterprise: %w", &net.OpError{Op: "dial", Net: "tcp",
		Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}),
	"socket": &net.OpError{Op: "dial", Net: "unix", Addr: &net.UnixAddr{Name: "/secret/pg/.s.PGSQL.5432", Net: "unix"},
		Err: &os.SyscallError{Syscall: "connect", Err: syscall.ENOENT}},
	"badconn":  fmt.Errorf("list: %w", driver.ErrBadConn),
	"closed":   errors.New("sql: database is closed"),
	"internal": errs.Wrap(errs.Internal, "load_failed", "读取失败", "load", driver.ErrBadConn),
}

type kindInput struct {
	Kind string `path:"kind"`
}

// newOutageServer serves /v1/outage/{kind}, which fails with outageErrs[kind], and /v1/public,
// whose authentication fails with a raw outage for the token "down".
func newOutageServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httpapi.New(httpapi.Options{Title: "test", Version: "1", Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Authenticate: func(_ context.Context, token string) (auth.Principal, error) {
			switch token {
			case "good":
				return auth.Principal{AccountID: 7, Username: "u", Role: auth.RoleAdmin}, nil
			case "down":
				return auth.Principal{}, fmt.Errorf("principal: %w", outageErrs["socket"])
			}
			return auth.Principal{}, auth.ErrUnauthenticated
		}})
	huma.Register(srv.API, auth.Allow(huma.Operation{OperationID: "outage", Method: http.MethodGet, Path: "/v1/outage/{kind}"},
		auth.RoleAdmin), func(_ context.Context, in *kindInput) (*struct{}, error) {
		switch in.Kind {
		case "unavailable-bare":
			return nil, errs.New(errs.Unavailable, "card_service_down", "绿卡服务暂停", "the card service is down")
		case "unavailable-30":
			return nil, errs.New(errs.Unavailable, "maintenance", "系统维护中", "maintenance").RetryAfter(30)
		case "huma-503":
			return nil, huma.Error503ServiceUnavailable("overloaded")
		case "client-gone":
			return nil, fmt.Errorf("q: %w", context.Canceled)
		}
		return nil, outageErrs[in.Kind]
	})
	huma.Register(srv.API, auth.Public(huma.Operation{OperationID: "public-outage", Method: http.MethodPost, Path: "/v1/public"}),
		func(_ context.Context, _ *struct{}) (*struct{}, error) { return nil, outageErrs["refused"] })
	ts := httptest.NewServer(srv.Handler)
	t.Cleanup(ts.Close)
	return ts
}

// mustBeOutage asserts a 503 problem with Retry-After and a body free of the cause's text.
func mustBeOutage(t *testing.T, res *http.Response, body map[string]any, wantRetry string) {
	t.Helper()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503: %v", res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q", ct)
	}
	if ra := res.Header.Get("Retry-After"); ra != wantRetry {
		t.Errorf("Retry-After %q, want %q", ra, wantRetry)
	}
	if body["detail"] == "" || body["detail"] == nil {
		t.Errorf("problem lacks a detail: %v", body)
	}
	text := fmt.Sprint(body)
	for _, leak := range []string{"dial", "PGSQL", "secret", "bad connection", "sql:", "refused", "no such file"} {
		if strings.Contains(text, leak) {
			t.Errorf("problem leaks %q: %s", leak, text)
		}
	}
}

// TestErrorMapping_DatabaseOutage: whatever path an outage takes — an untranslated driver
// error from a handler, from authentication, or an Internal wrapping one — the client gets 503
// with Retry-After and a generic message, never a 500.
func TestErrorMapping_DatabaseOutage(t *testing.T) {
	ts := newOutageServer(t)
	good := []string{"Authorization", "Bearer good"}
	for kind := range outageErrs {
		t.Run(kind, func(t *testing.T) {
			res, body := get(t, ts.URL+"/v1/outage/"+kind, good...)
			mustBeOutage(t, res, body, "5")
			if body["request_id"] == nil {
				t.Errorf("no request id: %v", body)
			}
		})
	}
	t.Run("Authentication", func(t *testing.T) {
		res, body := get(t, ts.URL+"/v1/outage/refused", "Authorization", "Bearer down")
		mustBeOutage(t, res, body, "5")
	})
	t.Run("PublicOperation", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/v1/public", nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 503 || res.Header.Get("Retry-After") != "5" {
			t.Errorf("public operation: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
		}
	})
	t.Run("UnavailableAlwaysRetryAfter", func(t *testing.T) {
		res, body := get(t, ts.URL+"/v1/outage/unavailable-bare", good...)
		mustBeOutage(t, res, body, "5")
		if body["detail"] != "绿卡服务暂停" || body["code"] != "card_service_down" {
			t.Errorf("a domain message must survive: %v", body)
		}
		res, body = get(t, ts.URL+"/v1/outage/unavailable-30", good...)
		mustBeOutage(t, res, body, "30")
		res, body = get(t, ts.URL+"/v1/outage/huma-503", good...)
		mustBeOutage(t, res, body, "5")
	})
	t.Run("NotAnOutage", func(t *testing.T) {
		res, body := get(t, ts.URL+"/v1/outage/client-gone", good...)
		if res.StatusCode != 500 || res.Header.Get("Retry-After") != "" {
			t.Errorf("cancelled request: %d %v Retry-After %q", res.StatusCode, body, res.Header.Get("Retry-After"))
		}
	})
}
