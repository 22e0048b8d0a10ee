// Package reqctx carries facts about the HTTP request through a context — its id and the client's
// address — so that logs, audit records and login throttling deep inside a service can name them.
package reqctx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

type idKey struct{}
type clientKey struct{}

// WithID returns ctx carrying the request id.
func WithID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, idKey{}, id)
}

// ID returns the request id in ctx, or "".
func ID(ctx context.Context) string {
	id, _ := ctx.Value(idKey{}).(string)
	return id
}

// NewID returns a fresh random request id (16 hex digits).
func NewID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// WithClientAddr returns ctx carrying the client's address (IP without port).
func WithClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientKey{}, addr)
}

// ClientAddr returns the client's address in ctx, or "".
func ClientAddr(ctx context.Context) string {
	a, _ := ctx.Value(clientKey{}).(string)
	return a
}
