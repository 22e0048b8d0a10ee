// Package web serves the browser-facing pages that are embedded in the binary. The service runs on
// intranets without internet access, so nothing here may load from another host.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed docs
var docsFS embed.FS

// docsCSP is the Content-Security-Policy sent with the docs page and its assets. swagger-ui renders
// without inline scripts or inline style attributes (React sets styles through the CSSOM, which CSP
// allows), so both stay forbidden; the only loss is the column alignment of Markdown tables in
// descriptions. Its icons are data: URIs, and try-it-out shows image responses (the green-card QR
// codes) through blob: URLs.
const docsCSP = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

const (
	docsPath  = "/docs"
	vendorDir = "vendor/"
	// yearCache suits the vendored files only when the request names their version (?v=), because
	// an upgrade then changes the URL and no browser keeps a stale copy.
	yearCache = "public, max-age=31536000, immutable"
)

var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".png":  "image/png",
	".svg":  "image/svg+xml",
	".json": "application/json",
	".mp4":  "video/mp4",
	".txt":  "text/plain; charset=utf-8",
	"":      "text/plain; charset=utf-8", // LICENSE, NOTICE, VERSION
}

type asset struct {
	body        []byte
	contentType string
	etag        string
	vendored    bool

	// The gzip form is made on first demand: most processes never serve the docs, and the
	// bundle shrinks from 1.7 MB to about 450 KB, which matters on a slow intranet link.
	gzipOnce sync.Once
	gzipBody []byte
}

func (a *asset) compressible() bool {
	return !strings.HasPrefix(a.contentType, "image/") && len(a.body) >= 1024
}

func (a *asset) gzipped() []byte {
	a.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(a.body) // writes to a bytes.Buffer cannot fail
		_ = zw.Close()
		a.gzipBody = buf.Bytes()
	})
	return a.gzipBody
}

type docsHandler struct {
	index   *asset
	files   map[string]*asset // by path below /docs/, e.g. "init.js"
	version string            // of the vendored swagger-ui, from its VERSION file
}

// DocsHandler serves the API documentation page at GET /docs and its assets below /docs/, all
// from the binary. Mount it at both "/docs" and "/docs/"; it expects the unstripped request path.
// The page reads the OpenAPI document from /openapi.json (relative to the page, so a path prefix
// added by a reverse proxy is kept).
func DocsHandler() http.Handler {
	h := &docsHandler{files: map[string]*asset{}}
	err := fs.WalkDir(docsFS, "docs", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := docsFS.ReadFile(name)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(name, "docs/")
		sum := sha256.Sum256(body)
		a := &asset{
			body:        body,
			contentType: contentTypeOf(rel),
			etag:        hex.EncodeToString(sum[:12]),
			vendored:    strings.HasPrefix(rel, vendorDir),
		}
		if rel == "index.html" {
			h.index = a
		} else {
			h.files[rel] = a
		}
		return nil
	})
	if err != nil || h.index == nil {
		// The files are compiled in, so this is a broken build, not a runtime condition.
		panic("web: embedded docs are incomplete: " + errString(err))
	}
	if v := h.files["vendor/swagger-ui/VERSION"]; v != nil {
		if f := strings.Fields(string(v.body)); len(f) >= 2 {
			h.version = f[1]
		}
	}
	return h
}

func errString(err error) string {
	if err == nil {
		return "index.html missing"
	}
	return err.Error()
}

func contentTypeOf(name string) string {
	if t, ok := contentTypes[path.Ext(name)]; ok {
		return t
	}
	return "application/octet-stream"
}

// ServeHTTP implements http.Handler.
func (h *docsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", docsCSP)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("X-Frame-Options", "DENY")

	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}

	p := r.URL.Path
	switch {
	case p == docsPath:
		h.serve(w, r, h.index, "no-cache")
		return
	case p == docsPath+"/" || p == docsPath+"/index.html":
		// The page's relative asset paths only resolve from /docs. A relative Location keeps
		// a reverse proxy's path prefix, which http.Redirect would drop.
		hdr.Set("Location", "../docs")
		w.WriteHeader(http.StatusMovedPermanently)
		return
	}
	rel, ok := strings.CutPrefix(p, docsPath+"/")
	a := h.files[rel]
	if !ok || a == nil {
		http.NotFound(w, r)
		return
	}
	cache := "no-cache"
	if a.vendored && h.version != "" && r.URL.Query().Get("v") == h.version {
		cache = yearCache
	}
	h.serve(w, r, a, cache)
}

func (h *docsHandler) serve(w http.ResponseWriter, r *http.Request, a *asset, cacheControl string) {
	serveAsset(w, r, a, cacheControl)
}

// serveAsset answers with an embedded file, gzipped when the client takes it, validated by its ETag.
func serveAsset(w http.ResponseWriter, r *http.Request, a *asset, cacheControl string) {
	hdr := w.Header()
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("Cache-Control", cacheControl)
	body, etag := a.body, a.etag
	if a.compressible() {
		hdr.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Values("Accept-Encoding")) {
			body, etag = a.gzipped(), etag+"-gz"
			hdr.Set("Content-Encoding", "gzip")
		}
	}
	hdr.Set("ETag", `"`+etag+`"`)
	// ServeContent answers If-None-Match with 304, Range and HEAD; a zero modtime omits
	// Last-Modified, leaving the ETag as the only validator.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip, honouring "gzip;q=0".
func acceptsGzip(values []string) bool {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
				continue
			}
			q := strings.ReplaceAll(strings.ToLower(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
