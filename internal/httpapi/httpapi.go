// Package httpapi is talentd's HTTP plumbing: the huma configuration and router, the middleware
// every request passes (request id, client address, authentication and role checks, metrics,
// access log, panic recovery), the one table that maps error kinds to HTTP statuses, and the
// health, readiness, metrics and docs endpoints.
package httpapi

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"

	"talentd/internal/auth"
)

// Limits on request bodies. JSON operations are capped at MaxJSONBody; an operation that takes a
// file declares its own, larger limit with Upload.
const (
	MaxJSONBody = 64 << 10
	metaUpload  = "talentd.upload"
)

// Upload marks op as a file upload accepting bodies of up to limit bytes.
func Upload(op huma.Operation, limit int64) huma.Operation {
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata[metaUpload] = true
	op.MaxBodyBytes = limit
	return op
}

// Authenticator resolves a bearer token to the principal it acts as.
type Authenticator func(ctx context.Context, token string) (auth.Principal, error)

// Options configure the HTTP layer.
type Options struct {
	Title, Version string
	Logger         *slog.Logger
	Authenticate   Authenticator
	// DB is checked by /readyz and reported in the pool metrics.
	DB *sql.DB
	// Docs serves the API documentation page under /docs.
	Docs http.Handler
	// Pages are the browser pages, by mux pattern ("GET /window", "POST /login"); they sign in
	// with the session cookie (SessionCookie), which the API accepts too.
	Pages map[string]http.Handler
}

// Server is the assembled HTTP layer: register operations on API, serve Handler.
type Server struct {
	API      huma.API
	Handler  http.Handler
	Registry *prometheus.Registry
	mux      *http.ServeMux
}

// New builds the router and middleware. Operations must be registered on the returned API after
// New (huma applies middleware only to operations registered after UseMiddleware).
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	installErrorMapping(o.Logger)

	mux := http.NewServeMux()
	cfg := huma.DefaultConfig(o.Title, o.Version)
	cfg.Info.Description = "talentd — the district talent office's system of record: the talent registry graded A–D, " +
		"QR green cards, talent apartments and public rental housing, award payouts and supplier subsidies.\n\n" +
		"Sign in with `POST /v1/auth/login`, then send `Authorization: Bearer <token>`. Errors are RFC 9457 problem+json."
	cfg.DocsPath = "" // served from the binary below: huma's page would load its script from a CDN
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		auth.SecurityScheme: {Type: "http", Scheme: "bearer", Description: "A session token from POST /v1/auth/login, or an API key"},
	}
	cfg.OnAddOperation = append(cfg.OnAddOperation, capBody)
	// Problems are localized first: huma's schema-link transformer copies a body into another type.
	cfg.Transformers = append([]huma.Transformer{localizeProblems}, cfg.Transformers...)
	formats := make(map[string]huma.Format, len(cfg.Formats)) // huma's map is shared: wrap a copy
	for name, f := range cfg.Formats {
		if strings.Contains(name, "json") {
			f = jsonWithoutNUL(f)
		}
		formats[name] = f
	}
	cfg.Formats = formats
	api := humago.New(mux, cfg)

	metrics := newMetrics(o.DB)
	api.UseMiddleware(operationName(api), authorize(api, o.Authenticate, o.Logger))

	s := &Server{API: api, Registry: metrics.registry, mux: mux}
	mux.Handle("GET /healthz", named("healthz", http.HandlerFunc(healthz)))
	mux.Handle("GET /readyz", named("readyz", readyz(o.DB, o.Logger)))
	mux.Handle("GET /metrics", named("metrics", metrics.handler()))
	if o.Docs != nil {
		mux.Handle("GET /docs", named("docs", o.Docs))
		mux.Handle("GET /docs/", named("docs", o.Docs))
	}
	for pattern, h := range o.Pages {
		mux.Handle(pattern, named("page", h))
	}
	// The request id comes first, so that everything after it — a panic's answer included — carries
	// it; the access log and metrics wrap the panic recovery, so panics are logged and counted as
	// the 500s they answer.
	// Cross-site requests that change state are refused before anything reads them: browsers send
	// the session cookie with them, so they could act as the signed-in clerk.
	s.Handler = withRequestInfo(accessLog(o.Logger, metrics,
		recoverPanics(o.Logger, refuseCrossSite(rejectBadText(problemForUnmatched(mux))))))
	return s
}

// capBody holds every JSON operation to MaxJSONBody; huma's own default would be 1 MiB.
func capBody(_ *huma.OpenAPI, op *huma.Operation) {
	if up, _ := op.Metadata[metaUpload].(bool); up {
		return
	}
	if op.MaxBodyBytes == 0 || op.MaxBodyBytes > MaxJSONBody {
		op.MaxBodyBytes = MaxJSONBody
	}
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ok"}`))
}

// readyz answers 200 while the database answers, 503 while it does not; database/sql reconnects by
// itself, so readiness returns without a restart once the database is back.
func readyz(db *sql.DB, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if db != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			defer cancel()
			if err := db.PingContext(ctx); err != nil {
				log.WarnContext(r.Context(), "not ready: database unreachable", "err", err)
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte(`{"status":"unavailable","database":"unreachable"}`))
				return
			}
		}
		_, _ = w.Write([]byte(`{"status":"ready"}`))
	})
}
