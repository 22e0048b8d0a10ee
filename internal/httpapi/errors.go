package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/errs"
	"talentd/internal/postgres"
	"talentd/internal/reqctx"
)

// statusOf is the one table from error kinds to HTTP statuses.
var statusOf = map[errs.Kind]int{
	errs.Internal:           http.StatusInternalServerError,
	errs.Invalid:            http.StatusUnprocessableEntity,
	errs.BadRequest:         http.StatusBadRequest,
	errs.Unauthenticated:    http.StatusUnauthorized,
	errs.Forbidden:          http.StatusForbidden,
	errs.NotFound:           http.StatusNotFound,
	errs.Conflict:           http.StatusConflict,
	errs.PreconditionFailed: http.StatusPreconditionFailed,
	errs.TooManyRequests:    http.StatusTooManyRequests,
	errs.Unavailable:        http.StatusServiceUnavailable,
}

// StatusOf returns the HTTP status for an error's kind.
func StatusOf(err error) int { return statusOf[errs.KindOf(err)] }

// RetryAfterSeconds is what a 503 tells clients to wait when the error names no delay of its
// own: long enough for a database restart or failover to finish, short enough that a window
// clerk retrying by hand is not kept waiting.
const RetryAfterSeconds = 5

// The detail of a bare 500: nothing of the cause, only what the reader can do.
const (
	internalZh = "系统内部出错，请稍后再试；如果问题仍然存在，请把请求编号告诉系统管理员"
	internalEn = "an unexpected error occurred"
)

var installOnce sync.Once

// installErrorMapping replaces huma's error constructors (package-level hooks by huma's design) so
// that every error — huma's own validation errors and those returned by handlers — becomes a
// Problem: domain errors get their kind's status, code and field details; an unclassified error
// that is a database outage (postgres.IsUnavailable) becomes Unavailable, so that every slice
// answers 503 without translating each call; anything else unclassified is logged in full and
// reaches the client as a bare 500 with the request id, never driver text. A 503 always carries
// Retry-After. huma's own messages are translated (see translateDetail); the reader's language is
// chosen when the problem is written (see localizeProblems).
func installErrorMapping(log *slog.Logger) {
	installOnce.Do(func() {
		huma.NewError = func(status int, msg string, list ...error) huma.StatusError {
			p := fromHuma(context.Background(), nil, status, msg, list)
			if status == http.StatusServiceUnavailable {
				p.retryAfter = RetryAfterSeconds
			}
			return p
		}
		huma.NewErrorWithContext = func(hctx huma.Context, status int, msg string, list ...error) huma.StatusError {
			ctx := context.Background()
			if hctx != nil {
				ctx = hctx.Context()
			}
			if de := classify(list); de != nil {
				p := fromDomain(ctx, de)
				retry := de.RetryAfterSeconds
				if de.Kind == errs.Unavailable {
					log.WarnContext(ctx, "unavailable", "request_id", reqctx.ID(ctx), "err", errors.Join(list...))
					if retry <= 0 {
						retry = RetryAfterSeconds
					}
				}
				if hctx != nil {
					if retry > 0 {
						hctx.SetHeader("Retry-After", strconv.Itoa(retry))
					}
					if de.Kind == errs.Unauthenticated {
						hctx.SetHeader("WWW-Authenticate", `Bearer realm="talentd"`)
					}
				}
				return p
			}
			if status == http.StatusServiceUnavailable && hctx != nil {
				hctx.SetHeader("Retry-After", strconv.Itoa(RetryAfterSeconds))
			}
			if status >= 500 {
				logUnexpected(ctx, log, status, msg, list)
				if status == http.StatusInternalServerError {
					return internalProblem(ctx)
				}
				return fromHuma(ctx, hctx, status, msg, nil)
			}
			return fromHuma(ctx, hctx, status, msg, list)
		}
	})
}

// classify finds the error that decides the response: the first domain error of a kind other
// than Internal, else a database outage hidden in an unclassified (or Internal) error, which
// becomes postgres.ErrUnavailable with its cause kept for the log; nil when neither is there.
func classify(list []error) *errs.Error {
	for _, e := range list {
		var de *errs.Error
		if e != nil && errors.As(e, &de) && de.Kind != errs.Internal {
			return de
		}
	}
	for _, e := range list {
		if postgres.IsUnavailable(e) {
			return postgres.ErrUnavailable.With(e)
		}
	}
	return nil
}

// logUnexpected logs an unclassified error; a client that went away is not an error of ours.
func logUnexpected(ctx context.Context, log *slog.Logger, status int, msg string, list []error) {
	err := errors.Join(list...)
	level := slog.LevelError
	if errors.Is(err, context.Canceled) {
		level = slog.LevelInfo
	}
	log.Log(ctx, level, "unexpected error", "request_id", reqctx.ID(ctx), "status", status, "msg", msg, "err", err)
}

// internalProblem is the bare 500: the request id and nothing of the cause.
func internalProblem(ctx context.Context) *Problem {
	p := newProblemOf(http.StatusInternalServerError, "", internalZh, internalEn, reqctx.ID(ctx))
	p.setLang(reqctx.Lang(ctx))
	return p
}

// fromHuma makes the problem of an error huma raised itself — validation, an unreadable or too
// large body, content negotiation — translating its message and each detail's.
func fromHuma(ctx context.Context, hctx huma.Context, status int, msg string, list []error) *Problem {
	code, zh, en := translateSummary(status, msg)
	p := newProblemOf(status, code, zh, en, reqctx.ID(ctx))
	fields := newFieldResolver(hctx)
	for _, e := range list {
		if e == nil {
			continue
		}
		d := &huma.ErrorDetail{Message: e.Error()}
		var detailer huma.ErrorDetailer
		if errors.As(e, &detailer) {
			d = detailer.ErrorDetail()
		}
		t := translateDetail(status, d, fields)
		p.addField(t.code, t.location, t.zh, d.Message, d.Value)
	}
	p.setLang(reqctx.Lang(ctx))
	return p
}

// echoable keeps a detail's value only when it is a single field's scalar: echoing a whole body or
// object back would repeat passwords and identity numbers into responses and client logs.
func echoable(location string, v any) any {
	if location == "body" || strings.Contains(location, "password") || strings.Contains(location, "id_number") {
		return nil
	}
	switch v.(type) {
	case map[string]any, []any:
		return nil
	}
	return v
}

// fromDomain makes the problem of a classified error, with its code and both languages.
func fromDomain(ctx context.Context, e *errs.Error) *Problem {
	status := statusOf[e.Kind]
	p := newProblemOf(status, e.Code, e.Zh, e.Message, reqctx.ID(ctx))
	for _, f := range e.Fields {
		p.addField(f.Code, f.Location, f.Zh, f.Message, f.Value)
	}
	p.setLang(reqctx.Lang(ctx))
	return p
}
