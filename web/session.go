package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"talentd/internal/accounts"
	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/httpapi"
	"talentd/internal/reqctx"
)

// desk is the page a role works from.
type desk struct {
	path, zh, en string
	roles        []auth.Role
}

// desks are the roles' pages, in the order the navigation lists them. A role sees the links of the
// desks it may open; "/" leads to the first of them, so each role's own desk comes before the
// desks it may also open.
var desks = []desk{
	{"/office", "人才办", "Talent office", officeRoles},
	{"/print", "绿卡打印", "Card printing", printRoles},
	{"/window", "窗口核验", "Window station", windowRoles},
	{"/commissioner", "代办事项", "Agent requests", commissionerRoles},
	{"/hr", "企业人事", "HR portal", hrRoles},
	{"/finance", "财政", "Finance", financeRoles},
	{"/housing", "住房保障", "Housing", housingRoles},
	{"/dashboard", "数说", "Dashboard", auth.AllRoles},
}

// windowRoles work the service window's station.
var windowRoles = []auth.Role{auth.RoleServiceWindow, auth.RoleTalentOffice, auth.RoleAdmin}

// deskOf is the path of role's own desk, or "/desk" for a role whose desk is not among desks.
func deskOf(role auth.Role) string {
	for _, d := range desks {
		if slices.Contains(d.roles, role) {
			return d.path
		}
	}
	return "/desk"
}

func navOf(role auth.Role, current string) []navLink {
	var out []navLink
	for _, d := range desks {
		if slices.Contains(d.roles, role) {
			out = append(out, navLink{Path: d.path, Zh: d.zh, En: d.en, Current: d.path == current})
		}
	}
	return out
}

// signedIn runs h for a signed-in account whose role is among roles (nil: any role). A visitor
// without a live session is sent to the sign-in page and back here afterwards; a role that may not
// open the page gets 403.
func (s *Site) signedIn(roles []auth.Role, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.principal(r)
		if err != nil {
			if errs.KindOf(err) != errs.Unauthenticated {
				s.o.Logger.ErrorContext(r.Context(), "authenticating a page", "err", err)
				s.render(w, r, http.StatusServiceUnavailable, "error", "暂时无法服务",
					errorPage{Zh: "系统暂时无法服务，请稍后再试", En: "The service is unavailable; try again shortly"})
				return
			}
			clearSession(w, r)
			target := "/login"
			if r.Method == http.MethodGet && r.URL.Path != "/" {
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		r = r.WithContext(auth.WithPrincipal(r.Context(), p))
		if roles != nil && !slices.Contains(roles, p.Role) {
			s.render(w, r, http.StatusForbidden, "error", "无权访问",
				errorPage{Zh: "您的角色不能打开这个页面", En: "Your role may not open this page", Home: deskOf(p.Role)})
			return
		}
		h(w, r)
	})
}

// principal authenticates the request's session cookie.
func (s *Site) principal(r *http.Request) (auth.Principal, error) {
	c, err := r.Cookie(httpapi.SessionCookie)
	if err != nil || c.Value == "" {
		return auth.Principal{}, auth.ErrUnauthenticated
	}
	return s.o.Accounts.Authenticate(r.Context(), c.Value)
}

// setSession hands the browser its session cookie: never readable by scripts, never sent with
// another site's requests, and only over TLS when the page was reached over TLS.
func setSession(w http.ResponseWriter, r *http.Request, sess accounts.Session) {
	http.SetCookie(w, &http.Cookie{Name: httpapi.SessionCookie, Value: sess.Token, Path: "/",
		Expires: sess.ExpiresAt, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: overTLS(r)})
}

func clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: httpapi.SessionCookie, Value: "", Path: "/", MaxAge: -1,
		Expires: time.Unix(0, 0), HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: overTLS(r)})
}

// overTLS tells whether the browser reached the page over TLS: directly, or through a reverse
// proxy that terminates it and says so.
func overTLS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

type errorPage struct {
	Zh, En string
	Home   string
}

// home leads the signed-in account to its desk.
func (s *Site) home(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	http.Redirect(w, r, deskOf(p.Role), http.StatusSeeOther)
}

// deskPending is the landing page of a role whose desk is not built yet: who is signed in, and
// where its work is done meanwhile.
func (s *Site) deskPending(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "desk", "工作台", nil)
}

// loginData is what the sign-in form shows again after a failed attempt.
type loginData struct {
	Next, Username string
	ErrorZh        string
	ErrorEn        string
	IdleMinutes    int
}

func (s *Site) loginForm(w http.ResponseWriter, r *http.Request) {
	if p, err := s.principal(r); err == nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next"), deskOf(p.Role)), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", "登录", loginData{Next: r.URL.Query().Get("next"),
		IdleMinutes: int(s.o.IdleTimeout / time.Minute)})
}

// maxLoginForm bounds the sign-in form's body: a username and a password.
const maxLoginForm = 4 << 10

func (s *Site) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginForm)
	if err := r.ParseForm(); err != nil {
		s.render(w, r, http.StatusBadRequest, "login", "登录", loginData{ErrorZh: "提交的内容有误，请重新填写", ErrorEn: "The form could not be read; fill it in again"})
		return
	}
	d := loginData{Next: r.PostForm.Get("next"), Username: strings.TrimSpace(r.PostForm.Get("username")),
		IdleMinutes: int(s.o.IdleTimeout / time.Minute)}
	sess, err := s.o.Accounts.Login(r.Context(), d.Username, r.PostForm.Get("password"), reqctx.ClientAddr(r.Context()))
	if err != nil {
		var e *errs.Error
		status := http.StatusUnauthorized
		d.ErrorZh, d.ErrorEn = "用户名或密码不正确", "Wrong username or password"
		switch {
		case errors.As(err, &e) && e.Kind != errs.Unauthenticated:
			status = httpapi.StatusOf(e)
			d.ErrorZh, d.ErrorEn = e.Zh, e.Message
			if e.RetryAfterSeconds > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfterSeconds))
			}
		case !errors.As(err, &e):
			s.o.Logger.ErrorContext(r.Context(), "signing in", "err", err)
			status = http.StatusServiceUnavailable
			d.ErrorZh, d.ErrorEn = "系统暂时无法登录，请稍后再试", "Signing in is unavailable; try again shortly"
		}
		s.render(w, r, status, "login", "登录", d)
		return
	}
	setSession(w, r, sess)
	p, err := s.o.Accounts.Authenticate(r.Context(), sess.Token)
	target := "/"
	if err == nil {
		target = deskOf(p.Role)
	}
	http.Redirect(w, r, safeNext(d.Next, target), http.StatusSeeOther)
}

// logout ends the session the cookie carries and forgets the cookie.
func (s *Site) logout(w http.ResponseWriter, r *http.Request) {
	if p, err := s.principal(r); err == nil {
		if err := s.o.Accounts.Logout(auth.WithPrincipal(r.Context(), p)); err != nil {
			s.o.Logger.WarnContext(r.Context(), "signing out", "err", err)
		}
	}
	clearSession(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext is where to go after signing in: next when it is a path on this site, else fallback.
// Anything that could lead to another host ("//evil", "/\evil", "https://…") is ignored.
func safeNext(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\r\n") || next == "/login" || strings.HasPrefix(next, "/login?") {
		return fallback
	}
	return next
}
