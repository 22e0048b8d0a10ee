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

// Problem is an RFC 9457 problem detail with the request id, so a user can quote it to support.
type Problem struct {
	huma.ErrorModel
	RequestID string `json:"request_id,omitempty" doc:"Quote this id when reporting the problem"`
}

var installOnce sync.Once

// installErrorMapping replaces huma's error constructors (package-level hooks by huma's design) so
// that every error — huma's own validation errors and those returned by handlers — becomes a
// Problem: domain errors get their kind's status and field details; anything unclassified is
// logged in full and reaches the client as a bare 500 with the request id, never driver text.
func installErrorMapping(log *slog.Logger) {
	installOnce.Do(func() {
		huma.NewError = func(status int, msg string, list ...error) huma.StatusError {
			return newProblem(context.Background(), status, msg, list)
		}
		huma.NewErrorWithContext = func(hctx huma.Context, status int, msg string, list ...error) huma.StatusError {
			ctx := context.Background()
			if hctx != nil {
				ctx = hctx.Context()
			}
			for _, e := range list {
				var de *errs.Error
				if e == nil || !errors.As(e, &de) || de.Kind == errs.Internal {
					continue
				}
				p := fromDomain(ctx, de)
				if hctx != nil {
					if de.RetryAfterSeconds > 0 {
						hctx.SetHeader("Retry-After", strconv.Itoa(de.RetryAfterSeconds))
					}
					if de.Kind == errs.Unauthenticated {
						hctx.SetHeader("WWW-Authenticate", `Bearer realm="talentd"`)
					}
				}
				return p
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
