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

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/reqctx"
	"talentd/internal/validate"
	"talentd/internal/vocab"
)

// PostgreSQL's text type refuses the NUL character, and its UTF-8 database refuses invalid byte
// sequences: either, let through to a query, fails it with a server error — and, in a batched
// insert, fails every good row beside it. So no text reaches a handler with either: the path and
// query (rejectBadText), and JSON bodies (jsonWithoutNUL). Headers cannot carry a NUL (net/http
// refuses the request) and the few a handler reads are checked by their own grammar. Uploaded
// files are checked cell by cell by the validation of each row.

// rejectBadText answers 400 for a request whose path or query parameters carry a NUL character or
// invalid UTF-8, naming the parameter, before any handler or query sees it.
func rejectBadText(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := newProblemOf(http.StatusBadRequest, "unstorable_text", "请求中有无法保存的文字（空字符或无效的 UTF-8），请删去后重试",
			"the request carries text that cannot be stored", reqctx.ID(r.Context()))
		if code, zh, en, bad := validate.TextProblem(r.URL.Path); bad {
			p.addField(code, "path", "请求地址："+zh, en, nil)
		}
		query := r.URL.Query()
		names := make([]string, 0, len(query))
		for name := range query {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			loc := "query." + strings.ToValidUTF8(strings.ReplaceAll(name, "\x00", ""), "?")
			if code, zh, en, bad := validate.TextProblem(name); bad {
				p.addField(code, loc, "参数名"+zh, "parameter name "+en, nil)
				continue
			}
			for _, v := range query[name] {
				if code, zh, en, bad := validate.TextProblem(v); bad {
					label, _ := vocab.LabelOf("", loc)
					p.addField(code, loc, label+"："+zh, en, nil)
					break
				}
			}
		}
		if len(p.Errors) > 0 {
			writeProblem(w, r, p)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// nulInBody is the text of a JSON body refused for a NUL character; its argument is the field.
const nulInBody = "%s must not contain the NUL character (U+0000)"

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
			return fmt.Errorf(nulInBody, path)
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
		p := newProblemOf(rec.Code, "", "没有这个接口地址，请查看 /docs 中的接口说明",
			"there is no such resource: see /docs for the API", reqctx.ID(r.Context()))
		if rec.Code == http.StatusMethodNotAllowed {
			p = newProblemOf(rec.Code, "", "这个接口地址不支持 "+r.Method+" 请求", "this resource does not take "+r.Method,
				reqctx.ID(r.Context()))
		}
		writeProblem(w, r, p)
	})
}
