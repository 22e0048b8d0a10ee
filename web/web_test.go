package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"talentd/web"
)

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	h := web.DocsHandler()
	mux.Handle("/docs", h)
	mux.Handle("/docs/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// get fetches a URL without following redirects and without transparent decompression, so the
// test sees exactly what the handler sent.
func get(t *testing.T, rawURL string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if req.Header.Get("Accept-Encoding") == "" {
		req.Header.Set("Accept-Encoding", "identity")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

var (
	assetRef    = regexp.MustCompile(`(?i)\b(?:src|href)\s*=\s*"([^"]+)"`)
	absoluteURL = regexp.MustCompile(`(?i)(?:https?:)?//[a-z0-9.-]+`)
)

func TestDocsHandler_Page(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	resp, body := get(t, srv.URL+"/docs", nil)

	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /docs = %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type = %q, want text/html", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control = %q, want no-cache so a new release is seen at once", cc)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "http") {
		t.Errorf("Content-Security-Policy %q allows eval or another host", csp)
	}
	page := string(body)
	for _, want := range []string{`lang="zh-CN"`, "<title>talentd API 文档</title>"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if m := absoluteURL.FindString(page); m != "" {
		t.Errorf("page refers to another host: %q", m)
	}
	if regexp.MustCompile(`(?is)<script[^>]*>\s*[^<\s]`).MatchString(page) {
		t.Error("page has an inline script, which the CSP forbids")
	}
}

func TestDocsHandler_Assets(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	_, body := get(t, srv.URL+"/docs", nil)
	page, err := url.Parse(srv.URL + "/docs")
	if err != nil {
		t.Fatal(err)
	}

	wantType := map[string]string{".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
	refs := assetRef.FindAllStringSubmatch(string(body), -1)
	if len(refs) < 4 {
		t.Fatalf("found only %d asset references in the page", len(refs))
	}
	for _, m := range refs {
		ref, err := url.Parse(m[1])
		if err != nil {
			t.Fatal(err)
		}
		u := page.ResolveReference(ref)
		if u.Host != page.Host {
			t.Errorf("%q leaves the origin", m[1])
			continue
		}
		if u.Path == "/openapi.json" { // served by the API, not by this handler
			continue
		}
		t.Run(u.Path, func(t *testing.T) {
			resp, asset := get(t, u.String(), nil)
			if resp.StatusCode != http.StatusOK || len(asset) == 0 {
				t.Fatalf("GET %s = %d, %d bytes", u, resp.StatusCode, len(asset))
			}
			ext := u.Path[strings.LastIndexByte(u.Path, '.'):]
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, wantType[ext]) || wantType[ext] == "" {
				t.Errorf("Content-Type = %q, want %s", ct, wantType[ext])
			}
			if resp.Header.Get("ETag") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("missing ETag or nosniff: %v", resp.Header)
			}
			if resp.Header.Get("Content-Security-Policy") == "" {
				t.Error("missing Content-Security-Policy")
			}
			// Only our own files: the vendored ones mention hosts in XML namespaces and help texts.
			if !strings.Contains(u.Path, "/vendor/") {
				if m := absoluteURL.FindString(string(asset)); m != "" {
					t.Errorf("%s refers to another host: %q", u.Path, m)
				}
			}
		})
	}
}

func TestDocsHandler_InitScript(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	_, body := get(t, srv.URL+"/docs/init.js", nil)
	script := string(body)
	for _, want := range []string{`"openapi.json"`, "validatorUrl: null", "deepLinking: true", "persistAuthorization: true"} {
		if !strings.Contains(script, want) {
			t.Errorf("init.js lacks %s", want)
		}
	}
}

// vendoredVersion reads the swagger-ui release named in the VERSION file.
func vendoredVersion(t *testing.T) string {
	t.Helper()
	version, err := os.ReadFile("docs/vendor/swagger-ui/VERSION")
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(version))
	if len(fields) < 2 || fields[0] != "swagger-ui-dist" {
		t.Fatalf("VERSION = %q, want \"swagger-ui-dist <version>\"", version)
	}
	return fields[1]
}

func TestDocsHandler_VendoredVersionMatchesPage(t *testing.T) {
	t.Parallel()
	version := vendoredVersion(t)
	page, err := os.ReadFile("docs/index.html")
	if err != nil {
		t.Fatal(err)
	}
	// Every vendored reference carries the version, or a browser could keep an old file for a year.
	for _, m := range assetRef.FindAllStringSubmatch(string(page), -1) {
		if strings.Contains(m[1], "vendor/") && !strings.HasSuffix(m[1], "?v="+version) {
			t.Errorf("%q does not end in ?v=%s", m[1], version)
		}
	}
	for _, name := range []string{"LICENSE", "NOTICE"} {
		if _, err := os.Stat("docs/vendor/swagger-ui/" + name); err != nil {
			t.Errorf("vendored swagger-ui lacks its %s: %v", name, err)
		}
	}
}

func TestDocsHandler_Caching(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	bundle := srv.URL + "/docs/vendor/swagger-ui/swagger-ui-bundle.js"

	t.Run("VersionedURLIsImmutable", func(t *testing.T) {
		t.Parallel()
		resp, _ := get(t, bundle+"?v="+vendoredVersion(t), nil)
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") {
			t.Errorf("Cache-Control = %q, want a year", cc)
		}
	})
	t.Run("UnversionedURLRevalidates", func(t *testing.T) {
		t.Parallel()
		resp, _ := get(t, bundle+"?v=4.0.0", nil)
		if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("Cache-Control = %q, want no-cache", cc)
		}
	})
	t.Run("IfNoneMatch", func(t *testing.T) {
		t.Parallel()
		first, _ := get(t, srv.URL+"/docs", nil)
		etag := first.Header.Get("ETag")
		resp, body := get(t, srv.URL+"/docs", http.Header{"If-None-Match": {etag}})
		if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("conditional GET = %d with %d bytes, want 304", resp.StatusCode, len(body))
		}
	})
	t.Run("Gzip", func(t *testing.T) {
		t.Parallel()
		plainResp, plain := get(t, bundle, nil)
		resp, body := get(t, bundle, http.Header{"Accept-Encoding": {"gzip, deflate, br"}})
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("Content-Encoding = %q, want gzip", resp.Header.Get("Content-Encoding"))
		}
		if resp.Header.Get("ETag") == plainResp.Header.Get("ETag") {
			t.Error("gzip and identity responses share an ETag")
		}
		if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
			t.Error("missing Vary: Accept-Encoding")
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		unzipped, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(unzipped, plain) {
			t.Errorf("gzip body does not decode to the file (err %v)", err)
		}
		refused, _ := get(t, bundle, http.Header{"Accept-Encoding": {"gzip;q=0, identity"}})
		if refused.Header.Get("Content-Encoding") != "" {
			t.Error("sent gzip although the client refused it with q=0")
		}
	})
}

func TestDocsHandler_Errors(t *testing.T) {
	t.Parallel()
	srv := newServer(t)

	for _, p := range []string{"/docs/nope.js", "/docs/vendor/", "/docs/vendor/swagger-ui/swagger-ui-bundle.js.map", "/docs/..%2fweb.go"} {
		resp, _ := get(t, srv.URL+p, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, resp.StatusCode)
		}
		if resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: missing Content-Security-Policy", p)
		}
	}

	for _, p := range []string{"/docs/", "/docs/index.html"} {
		resp, _ := get(t, srv.URL+p, nil)
		if resp.StatusCode != http.StatusMovedPermanently {
			t.Fatalf("GET %s = %d, want 301", p, resp.StatusCode)
		}
		loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
		if err != nil || loc.Path != "/docs" {
			t.Errorf("GET %s redirects to %v, want /docs", p, loc)
		}
	}

	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/docs", strings.NewReader("x"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /docs = %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}
