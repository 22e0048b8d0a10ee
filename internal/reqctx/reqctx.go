// Package reqctx carries facts about the HTTP request through a context — its id and the client's
// address — so that logs, audit records and login throttling deep inside a service can name them.
package reqctx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
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

type langKey struct{}

// WithLang returns ctx carrying the language the client reads: "zh" or "en".
func WithLang(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, langKey{}, lang)
}

// Lang returns the client's language in ctx: "en" when it asked for English, otherwise "zh" — the
// users are Chinese, so Chinese is what a request that says nothing gets.
func Lang(ctx context.Context) string {
	if l, _ := ctx.Value(langKey{}).(string); l == "en" {
		return "en"
	}
	return "zh"
}

// LangOf picks "zh" or "en" from an Accept-Language header: the first language range with a
// non-zero weight that is Chinese or English, by weight; "zh" when neither appears.
func LangOf(acceptLanguage string) string {
	best, bestQ := "zh", -1.0
	for _, part := range strings.Split(acceptLanguage, ",") {
		fields := strings.Split(strings.TrimSpace(part), ";")
		tag := strings.ToLower(strings.TrimSpace(fields[0]))
		q := 1.0
		for _, p := range fields[1:] {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		var lang string
		switch {
		case tag == "zh" || strings.HasPrefix(tag, "zh-"):
			lang = "zh"
		case tag == "en" || strings.HasPrefix(tag, "en-"):
			lang = "en"
		default:
			continue
		}
		if q > 0 && q > bestQ {
			best, bestQ = lang, q
		}
	}
	return best
}
