package web

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strings"

	"talentd/greencard"
	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/httpapi"
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

// partsSuffix ends the name of a desk's file of shared templates, which is no page of its own.
const partsSuffix = "_parts"

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
		"roleLabel":   func(r auth.Role, lang string) string { return auth.RoleVocab.Label(string(r), lang) },
		"actionLabel": func(action, lang string) string { return greencard.RequestActionVocab.Label(action, lang) },
		"officeLabel": officeLabel, "officeTime": officeTime, "officeDate": officeDate,
		// hrLabel is the label of a code of the vocabulary named list ("talent_status").
		"hrLabel": hrVocabLabel,
		// financePair hands a finance page's part the reader's language with its data.
		"financePair": func(lang string, data any) struct {
			L string
			D any
		} {
			return struct {
				L string
				D any
			}{lang, data}
		},
		"housingLabel": housingLabel,
	}
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(pagesFS, "pages/layout.html"))
	v := &views{pages: map[string]*template.Template{}}
	names, err := fs.Glob(pagesFS, "pages/*.html")
	if err != nil {
		panic(err)
	}
	for _, name := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "pages/"), ".html")
		if base == "layout" || strings.HasSuffix(base, partsSuffix) {
			continue
		}
		t := template.Must(layout.Clone())
		// A desk's parts file (hr_parts.html) holds the templates its pages (hr.html, hr_*.html) share.
		desk, _, _ := strings.Cut(base, "_")
		if parts := "pages/" + desk + partsSuffix + ".html"; slices.Contains(names, parts) {
			t = template.Must(t.ParseFS(pagesFS, parts))
		}
		v.pages[base] = template.Must(t.ParseFS(pagesFS, name))
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

// problemOf is what a page tells the reader of the refusal err, in both languages, and the status
// it answers with: the error's message (a field's, when it names fields); an error of no kind is
// logged and told as the service being unable to do it now.
func (s *Site) problemOf(r *http.Request, err error) (zh, en string, status int) {
	var e *errs.Error
	if !errors.As(err, &e) {
		s.o.Logger.ErrorContext(r.Context(), "a page's action", "path", r.URL.Path, "err", err)
		e = errs.New(errs.Unavailable, "unavailable", "系统暂时无法处理，请稍后再试", "the service could not do this now; try again shortly")
	}
	zh, en = e.Zh, e.Message
	for _, f := range e.Fields {
		zh, en = f.Zh, f.Message
	}
	return zh, en, httpapi.StatusOf(e)
}
