package httpapi

import (
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/vocab"
)

// fieldResolver answers, for a location in a request ("body.honours[0].code", "query.grade"),
// what the operation's OpenAPI schemas say about the field there: the object schema that declares
// it (whose name scopes its label) and the field's own schema (whose x-vocabulary names its list).
// Without an operation it knows nothing, and labels fall back to the field's name alone.
type fieldResolver struct {
	reg huma.Registry
	op  *huma.Operation
}

// newFieldResolver reads the operation from huma's context and the schemas from the request's
// information (set by the schemaAware middleware).
func newFieldResolver(hctx huma.Context) fieldResolver {
	if hctx == nil {
		return fieldResolver{}
	}
	r := fieldResolver{op: hctx.Operation()}
	if i := infoFrom(hctx.Context()); i != nil {
		r.reg = i.schemas
	}
	return r
}

// lookup returns the name of the object schema declaring the field at location ("" when it is a
// parameter, or unknown) and the field's schema (nil when unknown).
func (r fieldResolver) lookup(location string) (owner string, field *huma.Schema) {
	if r.op == nil {
		return "", nil
	}
	segments := strings.Split(location, ".")
	if len(segments) < 2 {
		return "", nil
	}
	if segments[0] != "body" {
		for _, p := range r.op.Parameters {
			if p != nil && p.In == segments[0] && p.Name == segments[1] {
				return "", p.Schema
			}
		}
		return "", nil
	}
	if r.reg == nil || r.op.RequestBody == nil {
		return "", nil
	}
	var s *huma.Schema
	for ct, media := range r.op.RequestBody.Content {
		if media != nil && media.Schema != nil && (s == nil || strings.Contains(ct, "json")) {
			s = media.Schema
		}
	}
	for _, seg := range segments[1:] {
		name, _, _ := strings.Cut(seg, "[")
		var objName string
		s, objName = r.resolve(s)
		if s == nil || s.Properties[name] == nil {
			return objName, nil
		}
		owner, s = objName, s.Properties[name]
		for range strings.Count(seg, "[") {
			s, _ = r.resolve(s)
			if s == nil || s.Items == nil {
				return owner, nil
			}
			s = s.Items
		}
	}
	s, _ = r.resolve(s)
	return owner, s
}

// resolve follows a $ref to the schema it names, returning that schema and its name.
func (r fieldResolver) resolve(s *huma.Schema) (*huma.Schema, string) {
	if s == nil || s.Ref == "" {
		return s, ""
	}
	return r.reg.SchemaFromRef(s.Ref), s.Ref[strings.LastIndexByte(s.Ref, '/')+1:]
}

// label names the field at location in Chinese and English, by the labels of internal/vocab.
func (r fieldResolver) label(location string) (zh, en string) {
	owner, _ := r.lookup(location)
	return vocab.LabelOf(owner, location)
}

// list finds the vocabulary list of the enumerated field at location whose allowed values are
// codes: the one its schema names, else the list of the field's name, else the list those codes
// come from; nil when none is known (then the codes are all there is to show).
func (r fieldResolver) list(location string, codes []string) *vocab.List {
	if _, s := r.lookup(location); s != nil {
		if name, ok := s.Extensions[vocab.SchemaExtension].(string); ok {
			if l, ok := vocab.Lookup(name); ok {
				return l
			}
		}
	}
	if l, ok := vocab.Lookup(vocab.FieldName(location)); ok && hasAll(l, codes) {
		return l
	}
	if l, ok := vocab.ForCodes(codes); ok {
		return l
	}
	return nil
}

func hasAll(l *vocab.List, codes []string) bool {
	for _, c := range codes {
		if !l.Has(c) {
			return false
		}
	}
	return true
}
