package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// browser is one headless Chromium tab on the test environment's pages. It records everything a
// page must never do — log an error, break its Content-Security-Policy, throw, or reach another
// host — and the test fails at its end if any happened.
type browser struct {
	t    *testing.T
	e    *testEnv
	ctx  context.Context
	base string // the site as the browser addresses it: http://localhost:port

	mu       sync.Mutex
	problems []string
	// allowHosts are hosts besides the site's own that the test sends the browser to on purpose.
	allowHosts map[string]bool
}

// chromiumPath is the browser the tests drive: $TALENTD_CHROMIUM, else Debian's chromium.
func chromiumPath(t *testing.T) string {
	if p := os.Getenv("TALENTD_CHROMIUM"); p != "" {
		return p
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("the browser tests need Chromium: run ./scripts/ensure-chromium (make test does), or set TALENTD_CHROMIUM")
	}
	return p
}

// artifactDir is where screenshots go: $TALENTD_ARTIFACTS, else a directory under the system's
// temporary directory that outlives the test, named in the log.
func artifactDir(t *testing.T) string {
	dir := os.Getenv("TALENTD_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "talentd-browser-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// newBrowser starts Chromium for e's pages, with a fresh profile, no network of its own, and
// extraFlags (e.g. the fake camera).
func newBrowser(t *testing.T, e *testEnv, extraFlags ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	u, err := url.Parse(e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	base := "http://localhost:" + u.Port()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, // the tests may run as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
		// The clerks' browsers ask for Chinese.
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
	)
	opts = append(opts, extraFlags...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	b := &browser{t: t, e: e, base: base, allowHosts: map[string]bool{}}
	ctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithListener(b.watch))
	b.ctx = ctx
	// The first action starts the browser; chromedp enables the runtime, log and network events.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		cancelCtx()
		cancelAlloc()
		t.Fatalf("starting Chromium: %v", err)
	}
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, p := range b.problems {
			t.Errorf("in the browser: %s", p)
		}
	})
	return b
}

func (b *browser) problem(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, fmt.Sprintf(format, args...))
}

// watch records the console errors, exceptions, CSP violations and off-host requests.
func (b *browser) watch(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			b.problem("console.%s: %s", ev.Type, strings.Join(parts, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		b.problem("uncaught exception: %s", msg)
	case *cdplog.EventEntryAdded:
		// CSP violations, failed loads and the browser's own complaints about the page arrive here.
		if ev.Entry.Level == cdplog.EntryLevelError && !b.expectedLogError(ev.Entry) {
			b.problem("browser log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
		}
	case *network.EventRequestWillBeSent:
		u, err := url.Parse(ev.Request.URL)
		if err != nil {
			b.problem("request to an unreadable URL %q", ev.Request.URL)
			return
		}
		switch u.Scheme {
		case "data", "blob", "about":
			return
		}
		b.mu.Lock()
		allowed := u.Host == strings.TrimPrefix(b.base, "http://") || b.allowHosts[u.Host]
		b.mu.Unlock()
		if !allowed {
			b.problem("request left the host: %s", ev.Request.URL)
		}
	}
}

// expectedLogError tells the log errors a test provokes on purpose: a page's answer of 4xx to a
// refused action is the page working, not failing (the browser logs every such response), and so
// is a request that fails while a test has cut the network.
func (b *browser) expectedLogError(e *cdplog.Entry) bool {
	return e.Source == cdplog.EntrySourceNetwork &&
		(strings.Contains(e.Text, "status of 4") || strings.Contains(e.Text, "net::ERR_INTERNET_DISCONNECTED"))
}

// run runs actions with a deadline, failing the test on error.
func (b *browser) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if _, err := runIn(b, what, chromedp.Steps(actions...)); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// runIn runs one action with a deadline and returns its value; a failure leaves a screenshot.
func runIn[T any](b *browser, what string, a chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
	}
	return v, err
}

// value runs a with a deadline and returns its value, failing the test on error.
func value[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := runIn(b, what, a)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// open navigates to path on the site.
func (b *browser) open(path string) {
	b.t.Helper()
	b.run("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitReady(chromedp.CSS("body")))
	b.settle()
}

// login signs in through the sign-in page as user and waits for the desk.
func (b *browser) login(user string) {
	b.t.Helper()
	b.open("/login")
	b.run("sign in as "+user,
		chromedp.SendKeys(chromedp.ID("username"), user),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="who"]`)),
	)
	b.settle()
}

// settle waits until the page has loaded whole, its module scripts included, so that the next
// action does not find the document still being replaced.
func (b *browser) settle() {
	b.t.Helper()
	// A navigation that is still under way replaces the page's JavaScript context under the poll;
	// poll again in the new page.
	var err error
	for range 5 {
		if _, err = runIn(b, "wait for the page to load", chromedp.Poll[bool](`document.readyState === "complete"`)); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("wait for the page to load: %v", err)
}

// location is the page's path and query.
func (b *browser) location() string {
	b.t.Helper()
	return strings.TrimPrefix(value(b, "read the location", chromedp.Location()), b.base)
}

// text is the text of the first element sel matches.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(value(b, "read "+sel, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible)))
}

// shot saves a screenshot of the page as name.png among the artifacts and logs where it is.
func (b *browser) shot(name string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	path := filepath.Join(artifactDir(b.t), strings.ReplaceAll(b.t.Name(), "/", "_")+"-"+name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", path)
	return path
}

// nodeCount is how many elements sel matches now.
func (b *browser) nodeCount(sel string) int {
	b.t.Helper()
	return len(value(b, "count "+sel, chromedp.Nodes(chromedp.CSSAll(sel), chromedp.AtLeast(0))))
}

// submit runs the actions that submit a form (a click, Enter) and waits for the page they load,
// returning its status.
func (b *browser) submit(what string, actions ...chromedp.Action[chromedp.Void]) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	res, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		b.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s: %v", what, err)
	}
	return res.Status
}
