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

// Problem is an RFC 9457 problem detail with the request id, so a user can quote it to support.
type Problem struct {
	huma.ErrorModel
	RequestID string `json:"request_id,omitempty" doc:"Quote this id when reporting the problem"`
	// retryAfter, when positive, is sent as Retry-After by huma for a Problem a handler returns
	// itself (see GetHeaders); errors mapped with a context set the header directly.
	retryAfter int
}

// GetHeaders gives huma the Retry-After of a Problem that a handler returned as it is.
func (p *Problem) GetHeaders() http.Header {
	if p.retryAfter <= 0 {
		return nil
	}
	return http.Header{"Retry-After": []string{strconv.Itoa(p.retryAfter)}}
}

var installOnce sync.Once

// installErrorMapping replaces huma's error constructors (package-level hooks by huma's design) so
// that every error — huma's own validation errors and those returned by handlers — becomes a
// Problem: domain errors get their kind's status and field details; an unclassified error that
// is a database outage (postgres.IsUnavailable) becomes Unavailable, so that every slice answers
// 503 without translating each call; anything else unclassified is logged in full and reaches the
// client as a bare 500 with the request id, never driver text. A 503 always carries Retry-After.
func installErrorMapping(log *slog.Logger) {
	installOnce.Do(func() {
		huma.NewError = func(status int, msg string, list ...error) huma.StatusError {
			p := newProblem(context.Background(), status, msg, list)
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
					return &Problem{ErrorModel: huma.ErrorModel{Title: http.StatusText(status), Status: status,
						Detail: "an unexpected error occurred"}, RequestID: reqctx.ID(ctx)}
				}
				return &Problem{ErrorModel: huma.ErrorModel{Title: http.StatusText(status), Status: status,
					Detail: msg}, RequestID: reqctx.ID(ctx)}
			}
			return newProblem(ctx, status, msg, list)
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
			return errs.UntranslatedWrap(postgres.ErrUnavailable.Kind, postgres.ErrUnavailable.Message, e)
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

func newProblem(ctx context.Context, status int, msg string, list []error) *Problem {
	p := &Problem{ErrorModel: huma.ErrorModel{Title: http.StatusText(status), Status: status, Detail: msg},
		RequestID: reqctx.ID(ctx)}
	for _, e := range list {
		if e != nil {
			p.Add(e)
		}
	}
	for _, d := range p.Errors {
		d.Value = echoable(d.Location, d.Value)
	}
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

func fromDomain(ctx context.Context, e *errs.Error) *Problem {
	status := statusOf[e.Kind]
	p := &Problem{ErrorModel: huma.ErrorModel{Title: http.StatusText(status), Status: status, Detail: e.Message},
		RequestID: reqctx.ID(ctx)}
	for _, f := range e.Fields {
		p.Errors = append(p.Errors, &huma.ErrorDetail{Message: f.Message, Location: f.Location, Value: echoable(f.Location, f.Value)})
	}
	return p
}
