package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/json"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/vocab"
)

func init() {
	vocab.AddFieldLabels(map[string]vocab.Label{
		"Idempotency-Key": {Zh: "幂等键（Idempotency-Key）", En: "Idempotency-Key"},
	})
}

// Header is embedded in the input struct of a money-moving operation. It reads the
// Idempotency-Key header and remembers the operation, method and path the request came to, so
// that the handler can name the request with Request:
//
//	type approveInput struct {
//		idempotency.Header
//		ID   int64 `path:"id"`
//		Body approveBody
//	}
//	req, err := in.Request(ctx, in.Body)
//
// and hand req to the service, which calls Begin and Finish inside its transaction.
type Header struct {
	IdempotencyKey string `header:"Idempotency-Key" required:"true" minLength:"1" maxLength:"200" pattern:"^[!-~]+$" doc:"A key the client chooses for this request (e.g. a UUID), 1–200 printable ASCII characters. Sending the same request again with the same key returns the first answer and changes nothing; the same key with a different request is refused with 422 idempotency_key_reused."`

	at origin
}

// Resolve remembers where the request was sent; huma calls it before the handler.
func (h *Header) Resolve(ctx huma.Context) []error {
	h.at = originOf(ctx)
	return nil
}

// Request names the request h arrived with, sent by the account acting in ctx with body (the
// handler's input body, or nil for none).
func (h *Header) Request(ctx context.Context, body any) (Request, error) {
	return h.at.request(ctx, h.IdempotencyKey, body)
}

// OptionalHeader is Header for an operation that is safe to retry only when the client asks for it
// by sending a key: a request without one is done as it comes. Request reports which it was.
type OptionalHeader struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" pattern:"^[!-~]+$" doc:"Optional. A key the client chooses for this request (e.g. a UUID), 1–200 printable ASCII characters. Sending the same request again with the same key returns the first answer and changes nothing; the same key with a different request is refused with 422 idempotency_key_reused. Without a key every request is done anew."`

	at origin
}

// Resolve remembers where the request was sent; huma calls it before the handler.
func (h *OptionalHeader) Resolve(ctx huma.Context) []error {
	h.at = originOf(ctx)
	return nil
}

// Request names the request h arrived with, as Header.Request does; nil when it came without a key.
func (h *OptionalHeader) Request(ctx context.Context, body any) (*Request, error) {
	if h.IdempotencyKey == "" {
		return nil, nil
	}
	req, err := h.at.request(ctx, h.IdempotencyKey, body)
	if err != nil {
		return nil, err
	}
	return &req, nil
}

// Request is one idempotent request as a service receives it: its key and its fingerprint.
type Request struct {
	Key         Key
	Fingerprint [32]byte
}

// origin is where a request was sent: its operation, method and path.
type origin struct{ operation, method, path string }

func originOf(ctx huma.Context) origin {
	o := origin{method: ctx.Method(), path: ctx.URL().Path}
	if op := ctx.Operation(); op != nil {
		o.operation = op.OperationID
	}
	return o
}

// request names the request sent to o under key by the account acting in ctx with body.
func (o origin) request(ctx context.Context, key string, body any) (Request, error) {
	p, err := auth.MustPrincipal(ctx)
	if err != nil {
		return Request{}, err
	}
	if !ValidKey(key) {
		return Request{}, ErrInvalidKey
	}
	fp, err := Fingerprint(o.method, o.path, body)
	if err != nil {
		return Request{}, err
	}
	return Request{Key: Key{Account: p.AccountID, Operation: o.operation, Key: key}, Fingerprint: fp}, nil
}

// Fingerprint is the SHA-256 of a request's method, path and canonical body. The body is encoded
// as JSON from its decoded Go value, so two requests that mean the same (key order, spacing, escapes
// aside) have the same fingerprint and any difference in content gives another.
func Fingerprint(method, path string, body any) ([32]byte, error) {
	canonical, err := json.Marshal(body)
	if err != nil {
		return [32]byte{}, errs.Wrap(errs.Internal, "idempotency_fingerprint", "无法识别请求内容",
			"the request cannot be fingerprinted", err)
	}
	h := sha256.New()
	// NUL cannot occur in a method or a path, so the three parts cannot run into each other.
	h.Write([]byte(method))
	h.Write([]byte{0})
	h.Write([]byte(path))
	h.Write([]byte{0})
	h.Write(canonical)
	var sum [32]byte
	h.Sum(sum[:0])
	return sum, nil
}
