package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/reqctx"
)

// requestInfo is filled in as the request travels inward (operation, caller) and read by the
// access log and metrics on the way out.
type requestInfo struct {
	operation string
	accountID int64
	// schemas are the API's OpenAPI schemas, for error messages that name a body field.
	schemas huma.Registry
}

type infoKey struct{}

func infoFrom(ctx context.Context) *requestInfo {
	i, _ := ctx.Value(infoKey{}).(*requestInfo)
	return i
}

// A client may propagate its own request id if it is short and plain; anything else is replaced,
// so that ids stay safe to log and to echo back.
var clientRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// withRequestInfo assigns the request id (accepting a sane X-Request-ID), echoes it in the
// response, and records the client's address.
func withRequestInfo(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !clientRequestID.MatchString(id) {
			id = reqctx.NewID()
		}
		w.Header().Set("X-Request-ID", id)
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		ctx := reqctx.WithClientAddr(reqctx.WithID(r.Context(), id), host)
		ctx = reqctx.WithLang(ctx, reqctx.LangOf(r.Header.Get("Accept-Language")))
		ctx = context.WithValue(ctx, infoKey{}, &requestInfo{operation: "unmatched"})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// named labels a plain (non-huma) handler for the access log and metrics.
func named(name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if i := infoFrom(r.Context()); i != nil {
			i.operation = name
		}
		h.ServeHTTP(w, r)
	})
}

// operationName labels huma operations for the access log and metrics, and gives the error
// messages the API's schemas.
func operationName(api huma.API) func(huma.Context, func(huma.Context)) {
	schemas := api.OpenAPI().Components.Schemas
	return func(ctx huma.Context, next func(huma.Context)) {
		if i := infoFrom(ctx.Context()); i != nil {
			i.operation = ctx.Operation().OperationID
			i.schemas = schemas
		}
		next(ctx)
	}
}

// statusRecorder remembers what the handler wrote, for the log and metrics.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer (flushing, deadlines).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// accessLog writes one structured line per request and feeds the metrics. It logs the path but
// never the query string, headers or bodies: those may carry tokens or identity numbers.
func accessLog(log *slog.Logger, m *metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		elapsed := time.Since(start)
		info := infoFrom(r.Context())
		m.observe(info.operation, r.Method, rec.status, elapsed)
		if info.operation == "metrics" || info.operation == "healthz" || info.operation == "readyz" {
			return // probes would drown the log
		}
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		log.LogAttrs(r.Context(), level, "request",
			slog.String("request_id", reqctx.ID(r.Context())),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("operation", info.operation),
			slog.Int("status", rec.status),
			slog.Int64("bytes", rec.bytes),
			slog.Duration("duration", elapsed),
			slog.String("client", reqctx.ClientAddr(r.Context())),
			slog.Int64("account_id", info.accountID),
		)
	})
}

// recoverPanics turns a panic into a logged bare 500 instead of a dropped connection.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(r.Context(), "panic", "request_id", reqctx.ID(r.Context()),
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				writeProblem(w, r, internalProblem(r.Context()))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// errOperationClosed refuses an operation registered without an access rule.
var errOperationClosed = errs.New(errs.Forbidden, "operation_closed", "此项操作未向任何角色开放", "this operation is not open to any role")

// authorize enforces the access rule each operation declared with auth.Allow or auth.Public: no
// or bad credentials → 401, a role the rule does not list → 403. An operation without a rule is
// refused outright (and the authorization-matrix test fails), so a forgotten rule never opens a hole.
func authorize(api huma.API, authenticate Authenticator, log *slog.Logger) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		op := ctx.Operation()
		rule := auth.RuleOf(op)
		if !rule.Declared {
			log.ErrorContext(ctx.Context(), "operation declares no access rule", "operation", op.OperationID)
			writeDomainErr(api, ctx, errOperationClosed)
			return
		}
		token, hasToken := credentials(ctx.Header("Authorization"), ctx.Header("Cookie"))
		if rule.Public && !hasToken {
			next(ctx)
			return
		}
		if !hasToken {
			writeDomainErr(api, ctx, auth.ErrUnauthenticated)
			return
		}
		p, err := authenticate(ctx.Context(), token)
		if err != nil {
			if rule.Public && errs.KindOf(err) == errs.Unauthenticated {
				next(ctx) // a stale token does not stop anyone from signing in again
				return
			}
			writeDomainErr(api, ctx, err)
			return
		}
		if i := infoFrom(ctx.Context()); i != nil {
			i.accountID = p.AccountID
		}
		if !rule.Permits(p.Role) {
			writeDomainErr(api, ctx, auth.ErrForbidden)
			return
		}
		next(huma.WithContext(ctx, auth.WithPrincipal(ctx.Context(), p)))
	}
}

func writeDomainErr(api huma.API, ctx huma.Context, err error) {
	_ = huma.WriteErr(api, ctx, http.StatusInternalServerError, "", err)
}

// SessionCookie is the cookie in which a browser keeps its login session's token. The API takes it
// in place of a bearer token, so the pages' scripts call the same operations as every other client;
// refuseCrossSite keeps other sites from riding on it.
const SessionCookie = "talentd_session"

// credentials returns the request's token: the bearer token when there is an Authorization
// header, else the session cookie.
func credentials(authorization, cookie string) (string, bool) {
	if authorization != "" {
		return bearer(authorization)
	}
	if cookie == "" {
		return "", false
	}
	cookies, err := http.ParseCookie(cookie)
	if err != nil {
		return "", false
	}
	for _, c := range cookies {
		if c.Name == SessionCookie && c.Value != "" {
			return c.Value, true
		}
	}
	return "", false
}

// refuseCrossSite refuses a state-changing request that a browser says comes from another site
// (Sec-Fetch-Site, else an Origin that is not this host) with a 403 problem. Requests without
// either header — curl, scripts, other servers — are not browser requests and pass.
func refuseCrossSite(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, newProblemOf(http.StatusForbidden, "cross_site_request",
			"拒绝来自其他网站的请求：请在本系统的页面中操作", "cross-site request refused: use talentd's own pages",
			reqctx.ID(r.Context())))
	}))
	return cop.Handler(next)
}

func bearer(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
