package idempotency

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/humatest"

	"talentd/internal/auth"
)

// approveInput is how a money-moving operation embeds Header.
type approveInput struct {
	Header
	ID   int64 `path:"id"`
	Body struct {
		Note string `json:"note"`
	}
}

type requestOutput struct {
	Body Request
}

// requestAPI serves one operation that answers with the Request its input names, acting as
// account 7 unless the request says X-Anonymous.
func requestAPI(t *testing.T) humatest.TestAPI {
	_, api := humatest.New(t)
	api.UseMiddleware(func(ctx huma.Context, next func(huma.Context)) {
		if ctx.Header("X-Anonymous") != "" {
			next(ctx)
			return
		}
		p := auth.Principal{AccountID: 7, Username: "finance", Role: auth.RoleFinance}
		next(huma.WithContext(ctx, auth.WithPrincipal(ctx.Context(), p)))
	})
	huma.Register(api, huma.Operation{OperationID: "approve-thing", Method: http.MethodPost, Path: "/things/{id}/approve"},
		func(ctx context.Context, in *approveInput) (*requestOutput, error) {
			req, err := in.Request(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &requestOutput{Body: req}, nil
		})
	return api
}

func TestHeader_NamesTheRequest(t *testing.T) {
	t.Parallel()
	api := requestAPI(t)
	resp := api.Post("/things/5/approve", "Idempotency-Key: abc-123", map[string]string{"note": "ok"})
	if resp.Code != http.StatusOK {
		t.Fatalf("status %d: %s", resp.Code, resp.Body)
	}
	var got Request
	if err := jsonDecode(resp.Body.String(), &got); err != nil {
		t.Fatal(err)
	}
	want := Key{Account: 7, Operation: "approve-thing", Key: "abc-123"}
	if got.Key != want {
		t.Errorf("key %+v, want %+v", got.Key, want)
	}
	fp := must(Fingerprint(http.MethodPost, "/things/5/approve", struct {
		Note string `json:"note"`
	}{"ok"}))
	if got.Fingerprint != fp {
		t.Error("the handler's fingerprint is not that of its method, path and body")
	}
	// Key order and spacing in the body do not change the request; another id does.
	same := api.Post("/things/5/approve", "Idempotency-Key: abc-123", strings.NewReader(` { "note" : "ok" } `))
	other := api.Post("/things/6/approve", "Idempotency-Key: abc-123", map[string]string{"note": "ok"})
	var sameReq, otherReq Request
	if err := errors.Join(jsonDecode(same.Body.String(), &sameReq), jsonDecode(other.Body.String(), &otherReq)); err != nil {
		t.Fatal(err)
	}
	if sameReq.Fingerprint != got.Fingerprint || otherReq.Fingerprint == got.Fingerprint {
		t.Error("fingerprints do not follow the request's content")
	}
}

func TestHeader_Refuses(t *testing.T) {
	t.Parallel()
	api := requestAPI(t)
	for name, tc := range map[string]struct {
		headers []any
		status  int
	}{
		"Missing": {nil, http.StatusUnprocessableEntity},
		"TooLong": {[]any{"Idempotency-Key: " + strings.Repeat("k", MaxKeyLength+1)}, http.StatusUnprocessableEntity},
		"Space":   {[]any{"Idempotency-Key: a b"}, http.StatusUnprocessableEntity},
		// Without talentd's error mapping the status is not 401 here; any refusal will do.
		"NoPrincipal": {[]any{"Idempotency-Key: k", "X-Anonymous: 1"}, 0},
	} {
		t.Run(name, func(t *testing.T) {
			args := append(tc.headers, map[string]string{"note": "ok"})
			resp := api.Post("/things/5/approve", args...)
			if resp.Code < 400 || (tc.status != 0 && resp.Code != tc.status) {
				t.Errorf("status %d, want %d: %s", resp.Code, tc.status, resp.Body)
			}
		})
	}
}

func jsonDecode(s string, v any) error { return json.Unmarshal([]byte(s), v) }
