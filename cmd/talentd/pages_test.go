package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Signing in leads to the role's desk with the scan input focused; signing out ends the session,
// so the desk sends the browser back to the sign-in page.
func TestPages_SignInAndOut(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	b := newBrowser(t, e)

	b.open("/window")
	if loc := b.location(); !strings.HasPrefix(loc, "/login?next=") {
		t.Fatalf("a visitor opening /window lands on %s, want the sign-in page", loc)
	}
	b.run("a wrong password", chromedp.SendKeys(chromedp.ID("username"), "window"),
		chromedp.SendKeys(chromedp.ID("password"), "not-the-password"), chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("login-error")))
	if msg := b.text("#login-error"); msg != "用户名或密码不正确" {
		t.Errorf("wrong password says %q", msg)
	}
	b.shot("login-refused")

	b.login("window")
	if loc := b.location(); loc != "/window" {
		t.Fatalf("after signing in the window clerk is at %s, want /window", loc)
	}
	focused := value(b, "read the focus", chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
	if focused != "token" {
		t.Errorf("the focused element on /window is %q, want the scan input", focused)
	}
	if who := b.text(`[data-testid="who"]`); who != "window · 服务窗口" {
		t.Errorf("the header names %q", who)
	}
	b.shot("window-station")

	b.open("/")
	if loc := b.location(); loc != "/window" {
		t.Errorf("/ leads the window clerk to %s", loc)
	}
	b.run("sign out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.ID("username")))
	b.open("/window")
	if loc := b.location(); !strings.HasPrefix(loc, "/login") {
		t.Errorf("after signing out /window shows %s, want the sign-in page", loc)
	}
}

// A role opening a desk that is not its own gets 403; "/" leads each role to its own.
func TestPages_DeskOfAnotherRole(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	b := newBrowser(t, e)
	b.login("hr-x")
	resp := value(b, "open the window station as HR", chromedp.NavigateResponse(b.base+"/window"))
	if status := resp.Status; status != http.StatusForbidden {
		t.Errorf("HR opening /window: %d, want 403", status)
	}
}

// A form another site makes the browser post is refused with 403 before it does anything, and the
// same post from the site's own page goes through.
func TestPages_CrossSitePostRefused(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	b := newBrowser(t, e)
	b.login("window")

	// The other site is 127.0.0.1: a different site from localhost for the browser.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><form id="f" method="post" action="`+b.base+`/logout"><button id="go">go</button></form>`)
	}))
	defer evil.Close()
	u, _ := url.Parse(evil.URL)
	b.mu.Lock()
	b.allowHosts[u.Host] = true
	b.mu.Unlock()

	b.run("open the other site's form", chromedp.Navigate(evil.URL), chromedp.WaitVisible(chromedp.ID("go")))
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.ID("go")))
	if err != nil {
		t.Fatal(err)
	}
	if status := resp.Status; status != http.StatusForbidden {
		t.Fatalf("a cross-site post to /logout: %d, want 403", status)
	}
	// Still signed in: the refused post did not sign the clerk out.
	b.open("/window")
	if loc := b.location(); loc != "/window" {
		t.Errorf("after the refused cross-site post the clerk is at %s", loc)
	}

	// Without a browser's headers (curl, scripts) nothing is cross-site; with them, the API refuses too.
	req, _ := http.NewRequest("POST", e.srv.URL+"/v1/auth/logout", nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens["window"])
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("a cross-site API post: %d %s, want a 403 problem", res.StatusCode, res.Header.Get("Content-Type"))
	}
}
