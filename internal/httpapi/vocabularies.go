package httpapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
	"talentd/internal/etag"
	"talentd/internal/vocab"
)

// VocabularySource reads a list whose terms live in the database (the service catalogue), at
// the time of each request.
type VocabularySource func(ctx context.Context) (*vocab.List, error)

// vocabulariesMaxAge is how long a client may use the lists without asking again: the labels of
// the fixed lists change only with a release, and a catalogue edit reaching every desk within
// five minutes is soon enough.
const vocabulariesMaxAge = "public, max-age=300"

type vocabulariesInput struct {
	IfNoneMatch string `header:"If-None-Match" maxLength:"256" doc:"The ETag of a previous answer: 304 while the lists are unchanged"`
}

type vocabulariesOutput struct {
	Status       int
	ETag         string `header:"ETag"`
	CacheControl string `header:"Cache-Control"`
	Body         map[string][]vocab.Term
}

// RegisterVocabularies adds GET /v1/vocabularies: every enumeration's codes with their Chinese
// and English labels, the fixed lists given here and the lists the sources read at request time,
// keyed by list name. The operation is public: the labels are the published names of grades,
// statuses, roles and services, not data about anyone, and the window's offline page and the
// sign-in page need them before a bearer token exists. Answers carry an ETag (If-None-Match gives
// 304) and may be cached for five minutes. Two lists of one name are a programming error and
// panic at start.
func RegisterVocabularies(api huma.API, static []*vocab.List, dynamic ...VocabularySource) {
	seen := map[string]bool{}
	for _, l := range static {
		if seen[l.Name()] {
			panic("httpapi: vocabulary " + l.Name() + " registered twice")
		}
		seen[l.Name()] = true
	}
	huma.Register(api, auth.Public(huma.Operation{
		OperationID: "list-vocabularies", Method: http.MethodGet, Path: "/v1/vocabularies", Tags: []string{"Vocabularies"},
		Summary: "List the enumerations with their labels",
		Description: "Every enumerated value of the API (grades, statuses, education, titles, roles, services, …) with its " +
			"Chinese and English label, keyed by list name; a schema names its list in `x-vocabulary`. Public: the labels are " +
			"published names, not personal data. Send the ETag back in If-None-Match to get 304 while nothing changed.",
		Errors: []int{http.StatusServiceUnavailable},
	}), func(ctx context.Context, in *vocabulariesInput) (*vocabulariesOutput, error) {
		body := make(map[string][]vocab.Term, len(static)+len(dynamic))
		for _, l := range static {
			body[l.Name()] = l.Terms()
		}
		for _, read := range dynamic {
			l, err := read(ctx)
			if err != nil {
				return nil, err
			}
			body[l.Name()] = l.Terms()
		}
		raw, err := json.Marshal(body) // map keys marshal sorted: equal lists, equal tags
		if err != nil {
			return nil, err
		}
		out := &vocabulariesOutput{Status: http.StatusOK, ETag: etag.OfContent(raw), CacheControl: vocabulariesMaxAge}
		if etag.NoneMatch(in.IfNoneMatch, out.ETag) {
			out.Status = http.StatusNotModified
			return out, nil
		}
		out.Body = body
		return out, nil
	})
}
