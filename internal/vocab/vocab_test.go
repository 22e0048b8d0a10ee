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

func TestRegistry(t *testing.T) {
	colours := NewList("test_colour", T("red", "红", "Red"), T("green", "绿", "Green"), T("blue", "蓝", "Blue"))
	NewList("test_light", T("red", "红", "Red"), T("green", "绿", "Green"))
	NewList("test_ink", T("red", "朱红", "Vermilion"), T("black", "黑", "Black"))
	if l, ok := Lookup("test_colour"); !ok || l != colours {
		t.Error("Lookup does not find a list by its name")
	}
	if s := colours.Schema(); s.Extensions[SchemaExtension] != "test_colour" {
		t.Errorf("the schema does not name its list: %v", s.Extensions)
	}
	if l, ok := ForCodes([]string{"red", "green", "blue"}); !ok || l != colours {
		t.Error("ForCodes misses the list with exactly these codes")
	}
	if l, ok := ForCodes([]string{"blue"}); !ok || l != colours {
		t.Error("ForCodes misses the only list with the code")
	}
	if _, ok := ForCodes([]string{"red"}); ok {
		t.Error("ForCodes chose between lists that label a code differently")
	}
	if _, ok := ForCodes([]string{"purple"}); ok {
		t.Error("ForCodes found a list for an unknown code")
	}
}

func TestFieldLabels(t *testing.T) {
	AddFieldLabels(map[string]Label{"test_field": {"测试", "Test"}, "TestBody.test_field": {"另一测试", "Other test"}})
	if zh, en := FieldLabel("test_field"); zh != "测试" || en != "Test" {
		t.Errorf("FieldLabel = %q, %q", zh, en)
	}
	if zh, _ := FieldLabelIn("TestBody", "test_field"); zh != "另一测试" {
		t.Errorf("an object's own label is not preferred: %q", zh)
	}
	if zh, _ := FieldLabelIn("OtherBody", "test_field"); zh != "测试" {
		t.Errorf("another object's field: %q", zh)
	}
	if zh, en := FieldLabel("no_such_field"); zh != "no_such_field" || en != "no_such_field" {
		t.Errorf("an unlabelled field is not called by its name: %q %q", zh, en)
	}
	for loc, want := range map[string]string{
		"body.test_field":            "测试",
		"query.test_field":           "测试",
		"body.test_field[1]":         "测试第2项",
		"body.outer.test_field":      "测试",
		"body.honours[0].test_field": "人才计划/荣誉第1项·测试",
		"body":                       "请求内容",
	} {
		if zh, _ := LabelOf("", loc); zh != want {
			t.Errorf("LabelOf(%q) = %q, want %q", loc, zh, want)
		}
	}
	if _, en := LabelOf("", "body.honours[0].test_field"); en != "Honours item 1 › Test" {
		t.Errorf("English label path: %q", en)
	}
	if FieldName("body.honours[3]") != "honours" || FieldName("query.grade") != "grade" {
		t.Error("FieldName")
	}
	defer func() {
		if recover() == nil {
			t.Error("a field labelled twice differently must panic")
		}
	}()
	AddFieldLabels(map[string]Label{"test_field": {"别的", "Else"}})
}
