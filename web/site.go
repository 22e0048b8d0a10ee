package web

import (
	"log/slog"
	"net/http"
	"time"

	"talentd/greencard"
	"talentd/housing"
	"talentd/internal/accounts"
	"talentd/internal/audit"
	"talentd/subsidy"
	"talentd/talent"
)

// Options are what the pages need: the services they call (the same ones the API calls, so the
// rules live in one place) and how long a session may sit idle.
type Options struct {
	Accounts *accounts.Service
	Cards    *greencard.Service
	Talent   *talent.Service
	Housing  *housing.Service
	Subsidy  *subsidy.Service
	Audit    *audit.Service
	Logger   *slog.Logger
	// IdleTimeout is the accounts service's idle limit, shown on the sign-in page; 0 hides it.
	IdleTimeout time.Duration
}

// Site is the browser side of talentd: the sign-in page and the desk of each role.
type Site struct {
	o     Options
	views *views
	files *staticFiles
}

// NewSite parses the embedded templates and assets; a broken template is a broken build and panics.
func NewSite(o Options) *Site {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	files := newStaticFiles()
	return &Site{o: o, files: files, views: parseViews(files)}
}

// Pages returns the site's handlers by mux pattern, for httpapi.Options.Pages. Each desk adds its
// own in its file (deskPages).
func (s *Site) Pages() map[string]http.Handler {
	pages := map[string]http.Handler{
		"GET /{$}":     s.signedIn(nil, s.home),
		"GET /login":   http.HandlerFunc(s.loginForm),
		"POST /login":  http.HandlerFunc(s.login),
		"POST /logout": http.HandlerFunc(s.logout),
		"GET /static/": s.files,
		"GET /desk":    s.signedIn(nil, s.deskPending),
	}
	for _, desk := range []map[string]http.Handler{s.windowPages(), s.commissionerPages(), s.officePages(), s.hrPages(),
		s.financePages(), s.housingPages(), s.printPages(), s.dashboardPages()} {
		for pattern, h := range desk {
			pages[pattern] = h
		}
	}
	return pages
}
