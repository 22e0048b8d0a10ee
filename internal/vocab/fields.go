package vocab

import (
	"strconv"
	"strings"
	"sync"
)

// Label is what people call an input field, in Chinese and English: error messages name a field
// by it ("学历：应为以下之一：博士、硕士、本科、大专、其他"), so a clerk knows which box to correct.
type Label struct {
	Zh string `json:"zh"`
	En string `json:"en"`
}

// fieldLabels maps a field's JSON or parameter name — or "Owner.name" for the one object that
// calls it something else — to its label.
var fieldLabels = struct {
	sync.RWMutex
	m map[string]Label
}{m: map[string]Label{}}

func init() { AddFieldLabels(baseFieldLabels) }

// AddFieldLabels adds labels, keyed by field name ("education") or, where one object's field of
// that name means something else, by the object's name and the field's ("EnterpriseBody.name"):
// the object is the OpenAPI schema that declares the field (huma's name of the body type) or the
// Go struct type a validated input comes in. Slices call it at init for the fields they add. A
// key given again with another label is a programming error and panics at start.
func AddFieldLabels(labels map[string]Label) {
	fieldLabels.Lock()
	defer fieldLabels.Unlock()
	for k, l := range labels {
		if old, dup := fieldLabels.m[k]; dup && old != l {
			panic("vocab: field " + k + " labelled both " + old.Zh + " and " + l.Zh)
		}
		fieldLabels.m[k] = l
	}
}

// LookupFieldLabel returns the label of field name as owner declares it (owner may be ""): the
// owner's own label first, then the field's.
func LookupFieldLabel(owner, name string) (Label, bool) {
	fieldLabels.RLock()
	defer fieldLabels.RUnlock()
	if owner != "" {
		if l, ok := fieldLabels.m[owner+"."+name]; ok {
			return l, true
		}
	}
	l, ok := fieldLabels.m[name]
	return l, ok
}

// FieldLabelIn returns the Chinese and English labels of field name in owner; a field without a
// label is called by its name.
func FieldLabelIn(owner, name string) (zh, en string) {
	if l, ok := LookupFieldLabel(owner, name); ok {
		return l.Zh, l.En
	}
	return name, name
}

// FieldLabel returns the Chinese and English labels of field name wherever it appears.
func FieldLabel(name string) (zh, en string) { return FieldLabelIn("", name) }

// LabelOf names the field at location ("body.honours[1].year", "query.grade") for a message: the
// label of its last field, after the list items it lies in — "人才计划/荣誉第2项·获得年份",
// "Honours item 2 › Year awarded". owner is the object that declares the last field ("" when
// unknown); the request part ("body", "query", "path", "header") is left out.
func LabelOf(owner, location string) (zh, en string) {
	segments := strings.Split(location, ".")
	switch segments[0] {
	case "body", "query", "path", "header", "cookie":
		segments = segments[1:]
	}
	if len(segments) == 0 {
		return "请求内容", "request body"
	}
	var zhParts, enParts []string
	for i, seg := range segments {
		name, items := splitIndices(seg)
		last := i == len(segments)-1
		if !last && len(items) == 0 {
			continue // an enclosing object: the field's own label says enough
		}
		o := ""
		if last {
			o = owner
		}
		z, e := FieldLabelIn(o, name)
		for _, n := range items {
			z += "第" + strconv.Itoa(n+1) + "项"
			e += " item " + strconv.Itoa(n+1)
		}
		zhParts, enParts = append(zhParts, z), append(enParts, e)
	}
	return strings.Join(zhParts, "·"), strings.Join(enParts, " › ")
}

// FieldName returns the name of the last field of location, without list indices:
// "body.honours[1]" → "honours".
func FieldName(location string) string {
	name, _ := splitIndices(location[strings.LastIndexByte(location, '.')+1:])
	return name
}

// splitIndices splits "honours[1][2]" into "honours" and [1 2].
func splitIndices(seg string) (string, []int) {
	name, rest, found := strings.Cut(seg, "[")
	if !found {
		return seg, nil
	}
	var items []int
	for _, part := range strings.Split(rest, "[") {
		n, err := strconv.Atoi(strings.TrimSuffix(part, "]"))
		if err != nil {
			return seg, nil
		}
		items = append(items, n)
	}
	return name, items
}
