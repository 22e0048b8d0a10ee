package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/reqctx"
)

// localizeProblems is a huma transformer: a Problem is written in the language of the request it
// answers — whoever made it, with or without that request at hand — and Content-Language says
// which. Other responses pass untouched.
func localizeProblems(ctx huma.Context, _ string, v any) (any, error) {
	p, ok := v.(*Problem)
	if !ok {
		return v, nil
	}
	lang := reqctx.Lang(ctx.Context())
	ctx.SetHeader("Content-Language", contentLanguage(lang))
	ctx.AppendHeader("Vary", "Accept-Language")
	return p.in(lang), nil
}

// contentLanguage is the Content-Language of a response in lang.
func contentLanguage(lang string) string {
	if lang == "en" {
		return "en"
	}
	return "zh-CN"
}

// writeProblem answers with a problem outside huma (middleware, unmatched routes), in the
// request's language.
func writeProblem(w http.ResponseWriter, r *http.Request, p *Problem) {
	lang := reqctx.Lang(r.Context())
	body, _ := json.Marshal(p.in(lang))
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Language", contentLanguage(lang))
	w.Header().Add("Vary", "Accept-Language")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(p.Status)
	_, _ = w.Write(body)
}
