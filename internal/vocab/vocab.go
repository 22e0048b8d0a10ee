// Package vocab is how talentd states an enumeration once: each List holds its codes with their
// Chinese and English labels (and the other ways clerks write them). The OpenAPI schema, request
// validation, the import's label parsing, the database CHECK constraints' test and
// GET /v1/vocabularies all read the same List, so a value cannot be added in one place and
// forgotten in another.
//
// A slice declares its lists beside its types and gives each enumerated field a named string type
// whose Schema method returns the list's schema:
//
//	var EducationVocab = vocab.NewList("education", vocab.T("doctorate", "博士", "Doctorate"), …)
//	type Education string
//	func (Education) Schema(huma.Registry) *huma.Schema { return EducationVocab.Schema() }
package vocab

import (
	"fmt"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// SchemaExtension is the OpenAPI extension that names a value's list in the schemas List.Schema
// returns ("x-vocabulary": "education"): clients fetch the labels from GET /v1/vocabularies by
// that name, and the error messages find the labels of an enumerated field by it.
const SchemaExtension = "x-vocabulary"

// Term is one value of an enumeration.
type Term struct {
	Code string `json:"code" doc:"Stable code, as sent and stored"`
	Zh   string `json:"zh" doc:"Chinese label"`
	En   string `json:"en" doc:"English label"`
	// aliases are further labels clerks write for this value in uploads ("博士研究生" for doctorate).
	aliases []string
}

// T returns a term; aliases are other labels an import accepts for it.
func T(code, zh, en string, aliases ...string) Term {
	return Term{Code: code, Zh: zh, En: en, aliases: aliases}
}

// List is one named enumeration, in its display order.
type List struct {
	name   string
	terms  []Term
	byCode map[string]int
	byText map[string]string
}

// NewList returns the enumeration name with terms in display order and registers it, so that
// Lookup and ForCodes find it. A code or label given twice is a programming error and panics at
// start.
func NewList(name string, terms ...Term) *List {
	l, err := Build(name, terms...)
	if err != nil {
		panic(err)
	}
	register(l)
	return l
}

// Build makes a list from data — a catalogue the office edits — rather than from code: it is not
// registered (so building one per request leaks nothing), and a code or label given twice is an
// error to report rather than a bug.
func Build(name string, terms ...Term) (*List, error) {
	l := &List{name: name, terms: terms, byCode: map[string]int{}, byText: map[string]string{}}
	for i, t := range terms {
		if _, dup := l.byCode[t.Code]; dup {
			return nil, fmt.Errorf("vocab: %s: code %s twice", name, t.Code)
		}
		l.byCode[t.Code] = i
	}
	for _, t := range terms {
		for _, text := range append([]string{t.Code, t.Zh, t.En}, t.aliases...) {
			k := fold(text)
			if other, dup := l.byText[k]; dup && other != t.Code {
				return nil, fmt.Errorf("vocab: %s: label %s names both %s and %s", name, text, other, t.Code)
			}
			l.byText[k] = t.Code
		}
	}
	return l, nil
}

// Name is the list's name in GET /v1/vocabularies.
func (l *List) Name() string { return l.name }

// Terms returns the terms in display order.
func (l *List) Terms() []Term { return append([]Term(nil), l.terms...) }

// Codes returns the codes in display order.
func (l *List) Codes() []string {
	out := make([]string, len(l.terms))
	for i, t := range l.terms {
		out[i] = t.Code
	}
	return out
}

// Has reports whether code is one of the list's codes (exactly, as stored).
func (l *List) Has(code string) bool {
	_, ok := l.byCode[code]
	return ok
}

// Term returns the term of code.
func (l *List) Term(code string) (Term, bool) {
	i, ok := l.byCode[code]
	if !ok {
		return Term{}, false
	}
	return l.terms[i], true
}

// Label returns code's label in lang ("en" for English, Chinese otherwise); an unknown code is
// returned as it is.
func (l *List) Label(code, lang string) string {
	t, ok := l.Term(code)
	switch {
	case !ok:
		return code
	case lang == "en":
		return t.En
	default:
		return t.Zh
	}
}

// Parse reads a value as a clerk writes it — the code, either label or an alias, in any letter
// case, with full-width spaces — and returns its code.
func (l *List) Parse(text string) (string, bool) {
	code, ok := l.byText[fold(text)]
	return code, ok
}

// Labels returns the Chinese labels in display order (for drop-down lists in templates).
func (l *List) Labels() []string {
	out := make([]string, len(l.terms))
	for i, t := range l.terms {
		out[i] = t.Zh
	}
	return out
}

// Schema is the OpenAPI schema of a value of the list: a string, one of the codes, with the labels
// in its description so that the documentation says what each code means.
func (l *List) Schema() *huma.Schema {
	enum := make([]any, len(l.terms))
	var desc strings.Builder
	for i, t := range l.terms {
		enum[i] = t.Code
		if i > 0 {
			desc.WriteString("; ")
		}
		desc.WriteString(t.Code + " " + t.Zh + " (" + t.En + ")")
	}
	return &huma.Schema{Type: huma.TypeString, Enum: enum, Description: desc.String(),
		Extensions: map[string]any{SchemaExtension: l.name}}
}

func fold(s string) string {
	s = strings.NewReplacer("\u3000", "", " ", "", "（", "(", "）", ")").Replace(strings.TrimSpace(s))
	return strings.ToLower(s)
}
