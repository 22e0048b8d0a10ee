package vocab

import (
	"slices"
	"testing"
)

func TestList(t *testing.T) {
	l := NewList("education",
		T("doctorate", "博士", "Doctorate", "博士研究生"),
		T("master", "硕士", "Master's"),
	)
	if got := l.Codes(); !slices.Equal(got, []string{"doctorate", "master"}) {
		t.Errorf("Codes() = %v", got)
	}
	for text, want := range map[string]string{"博士": "doctorate", " 博士研究生 ": "doctorate", "MASTER": "master", "master's": "master"} {
		if got, ok := l.Parse(text); !ok || got != want {
			t.Errorf("Parse(%q) = %q, %v; want %q", text, got, ok, want)
		}
	}
	if _, ok := l.Parse("本科"); ok {
		t.Error("Parse accepted a label that is not in the list")
	}
	if !l.Has("master") || l.Has("Master") {
		t.Error("Has must take exactly the stored codes")
	}
	if l.Label("master", "en") != "Master's" || l.Label("master", "zh") != "硕士" || l.Label("x", "zh") != "x" {
		t.Error("Label")
	}
	s := l.Schema()
	if len(s.Enum) != 2 || s.Enum[0] != "doctorate" {
		t.Errorf("Schema().Enum = %v", s.Enum)
	}
}

func TestNewList_RefusesAmbiguity(t *testing.T) {
	for name, terms := range map[string][]Term{
		"code twice":  {T("a", "甲", "A"), T("a", "乙", "B")},
		"label twice": {T("a", "甲", "A"), T("b", "甲", "B")},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			NewList("x", terms...)
		})
	}
}
