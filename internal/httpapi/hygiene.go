package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/reqctx"
)

// PostgreSQL's text type refuses the NUL character, and its UTF-8 database refuses invalid byte
// sequences: either, let through to a query, fails it with a server error — and, in a batched
// insert, fails every good row beside it. So no text reaches a handler with either: the path and
// query (rejectBadText), and JSON bodies (jsonWithoutNUL). Headers cannot carry a NUL (net/http
// refuses the request) and the few a handler reads are checked by their own grammar. Uploaded
// files are checked cell by cell by the validation of each row.

// badText says what is wrong with s as text for the database, or "" when nothing is.
func badText(s string) string {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return "must not contain the NUL character (U+0000)"
	case !utf8.ValidString(s):
		return "is not valid UTF-8 text"
	}
	return ""
}

// rejectBadText answers 400 for a request whose path or query parameters carry a NUL character or
// invalid UTF-8, naming the parameter, before any handler or query sees it.
func rejectBadText(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var details []*huma.ErrorDetail
		if msg := badText(r.URL.Path); msg != "" {
			details = append(details, &huma.ErrorDetail{Location: "path", Message: msg})
		}
		query := r.URL.Query()
		names := make([]string, 0, len(query))
		for name := range query {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			loc := "query." + strings.ToValidUTF8(strings.ReplaceAll(name, "\x00", ""), "?")
			if msg := badText(name); msg != "" {
				details = append(details, &huma.ErrorDetail{Location: loc, Message: "parameter name " + msg})
				continue
			}
			for _, v := range query[name] {
				if msg := badText(v); msg != "" {
					details = append(details, &huma.ErrorDetail{Location: loc, Message: msg})
					break
				}
			}
		}
		if len(details) > 0 {
			writeProblem(w, r, http.StatusBadRequest, "the request carries text that cannot be stored", details)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// writeProblem answers with a problem+json body outside huma (middleware, unmatched routes).
func writeProblem(w http.ResponseWriter, r *http.Request, status int, detail string, details []*huma.ErrorDetail) {
	p := &Problem{ErrorModel: huma.ErrorModel{Title: http.StatusText(status), Status: status, Detail: detail,
		Errors: details}, RequestID: reqctx.ID(r.Context())}
	body, _ := json.Marshal(p)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// jsonWithoutNUL wraps a JSON format so that a body whose strings (or keys) carry an escaped NUL
// (`\u0000`, the only way JSON can) is refused with 400 naming the field, like a syntax error.
func jsonWithoutNUL(f huma.Format) huma.Format {
	unmarshal := f.Unmarshal
	f.Unmarshal = func(data []byte, v any) error {
		if err := unmarshal(data, v); err != nil {
			return err
		}
		if !bytes.Contains(data, []byte(`\u0000`)) {
			return nil // the common case: nothing to walk
		}
		var doc any
		if err := json.Unmarshal(data, &doc); err != nil {
			return err
		}
		if path := nulPath(doc, "body"); path != "" {
			return fmt.Errorf("%s must not contain the NUL character (U+0000)", path)
		}
		return nil
	}
	return f
}

// nulPath returns the path of the first string in v that contains a NUL, or "".
func nulPath(v any, path string) string {
	switch x := v.(type) {
	case string:
		if strings.IndexByte(x, 0) >= 0 {
			return path
		}
	case []any:
		for i, item := range x {
			if p := nulPath(item, path+"["+strconv.Itoa(i)+"]"); p != "" {
				return p
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			name := strings.ReplaceAll(k, "\x00", `\u0000`)
			if strings.IndexByte(k, 0) >= 0 {
				return path + "." + name
			}
			if p := nulPath(x[k], path+"."+name); p != "" {
				return p
			}
		}
	}
	return ""
}

// problemForUnmatched answers a request no route takes — 404, or 405 with Allow — with a problem
// like every other error, instead of net/http's plain-text page.
func problemForUnmatched(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// The mux's own handler knows whether the path exists under another method; ask it what it
		// would have answered (a few bytes of plain text) and answer the same status as a problem.
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code/100 == 3 { // a redirect to the canonical path is the mux doing its job
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = io.Copy(w, rec.Body)
			return
		}
		if allow := rec.Header().Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		detail := "there is no such resource: see /docs for the API"
		if rec.Code == http.StatusMethodNotAllowed {
			detail = "this resource does not take " + r.Method
		}
		writeProblem(w, r, rec.Code, detail, nil)
	})
}
