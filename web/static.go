package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed static
var staticFS embed.FS

// staticFiles serves the pages' stylesheets, scripts and images below /static/. Pages link them
// with their content hash (?v=), so a browser may keep them for a year and still never runs an old
// script after an upgrade.
type staticFiles struct {
	files map[string]*asset // by path below /static/
}

func newStaticFiles() *staticFiles {
	sf := &staticFiles{files: map[string]*asset{}}
	err := fs.WalkDir(staticFS, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		rel := strings.TrimPrefix(name, "static/")
		sf.files[rel] = &asset{body: body, contentType: contentTypeOf(rel), etag: hex.EncodeToString(sum[:12])}
		return nil
	})
	if err != nil {
		panic("web: embedded static files: " + err.Error())
	}
	return sf
}

// url is the address of the static file rel with its version; a missing file is a broken build.
func (sf *staticFiles) url(rel string) string {
	a := sf.files[rel]
	if a == nil {
		panic("web: no static file " + rel)
	}
	return "/static/" + rel + "?v=" + a.etag
}

func (sf *staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setPageHeaders(w.Header())
	rel := strings.TrimPrefix(r.URL.Path, "/static/")
	a := sf.files[rel]
	if a == nil {
		http.NotFound(w, r)
		return
	}
	cache := "no-cache"
	if r.URL.Query().Get("v") == a.etag {
		cache = yearCache
	}
	serveAsset(w, r, a, cache)
}
