package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strings"

	"talentd/greencard"
	"talentd/internal/auth"
	"talentd/internal/reqctx"
)

//go:embed pages
var pagesFS embed.FS

// pageCSP is the Content-Security-Policy of every page: nothing from another host, no inline
// script or style, no plugins, no framing. The window station's camera shows its stream through a
// video element (media-src blob:/mediastream:), and photos and QR codes come from the API.
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"media-src 'self' blob: mediastream:; connect-src 'self'; font-src 'self'; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// setPageHeaders sets the headers every page and static file carries.
func setPageHeaders(h http.Header) {
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
}

// views are the parsed page templates: each page file is parsed with the layout, by its name
// ("login", "window"), with the partials.
type views struct {
	pages map[string]*template.Template
}

func parseViews(files *staticFiles) *views {
	funcs := template.FuncMap{
		"asset": files.url,
		// t picks the Chinese or the English text by the reader's language.
		"t": func(lang, zh, en string) string {
			if lang == "en" {
				return en
			}
			return zh
		},
		"roleLabel":    func(r auth.Role, lang string) string { return auth.RoleVocab.Label(string(r), lang) },
		"housingLabel": housingLabel,
		"actionLabel":  func(action, lang string) string { return greencard.RequestActionVocab.Label(action, lang) },
	}
	// pages/partials/*.html define templates several pages of a desk share.
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(pagesFS, "pages/layout.html", "pages/partials/*.html"))
	v := &views{pages: map[string]*template.Template{}}
	names, err := fs.Glob(pagesFS, "pages/*.html")
	if err != nil {
		panic(err)
	}
	for _, name := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "pages/"), ".html")
		if base == "layout" {
			continue
		}
		v.pages[base] = template.Must(template.Must(layout.Clone()).ParseFS(pagesFS, name))
	}
	return v
}

// view is what every page template receives.
type view struct {
	Lang  string // "zh" or "en"
	Title string
	// User is the signed-in principal; nil on the sign-in page.
	User *auth.Principal
	// Nav is the links of the desks the user may open.
	Nav []navLink
	// Data is the page's own.
	Data any
}

type navLink struct {
	Path, Zh, En string
	Current      bool
}

// render writes the page name with status. The page is rendered into a buffer first, so that a
// template error becomes a clean 500 instead of half a page.
func (s *Site) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	t := s.views.pages[name]
	v := view{Lang: reqctx.Lang(r.Context()), Title: title, Data: data}
	if p, ok := auth.FromContext(r.Context()); ok {
		v.User = &p
		v.Nav = navOf(p.Role, r.URL.Path)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		s.o.Logger.ErrorContext(r.Context(), "rendering a page", "page", name, "err", err)
		http.Error(w, "500", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	setPageHeaders(h)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	if v.Lang == "en" {
		h.Set("Content-Language", "en")
	} else {
		h.Set("Content-Language", "zh-CN")
	}
	h.Add("Vary", "Accept-Language")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// renderFragment writes one named template of the page name alone (no layout), for a page script
// that swaps it into the page it shows.
func (s *Site) renderFragment(w http.ResponseWriter, r *http.Request, status int, name, fragment string, data any) {
	t := s.views.pages[name]
	v := view{Lang: reqctx.Lang(r.Context()), Data: data}
	if p, ok := auth.FromContext(r.Context()); ok {
		v.User = &p
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, fragment, v); err != nil {
		s.o.Logger.ErrorContext(r.Context(), "rendering a fragment", "page", name, "fragment", fragment, "err", err)
		http.Error(w, "500", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	setPageHeaders(h)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "Accept-Language, X-Station")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
