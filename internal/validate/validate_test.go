package validate

import (
	"errors"
	"strings"
	"testing"

	"talentd/internal/errs"
	"talentd/internal/vocab"
)

type contact struct {
	Phone  string `json:"phone" validate:"omitempty,cn_phone"`
	Mobile string `json:"mobile" validate:"omitempty,cn_mobile"`
	Code   string `json:"uscc" validate:"omitempty,uscc"`
}

func TestPhones(t *testing.T) {
	v := New()
	for _, ok := range []string{"13812345678", "023-41412345", "02341412345", "41412345", "023-41412345-8001", "010-62345678"} {
		if err := v.Struct(contact{Phone: ok}, "body"); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"12345", "1381234567", "23812345678", "023-0141412345", "phone", "+86 138 1234 5678"} {
		if err := v.Struct(contact{Phone: bad}, "body"); errs.KindOf(err) != errs.Invalid {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := v.Struct(contact{Mobile: "023-41412345"}, "body"); err == nil {
		t.Error("a landline is no mobile number")
	}
}

func TestFieldErrors(t *testing.T) {
	err := New().Struct(contact{Phone: "x", Code: "91350100M000100Y44"}, "body")
	var e *errs.Error
	if !errors.As(err, &e) || len(e.Fields) != 2 {
		t.Fatalf("want two field errors, got %v", err)
	}
	got := map[string]string{}
	for _, f := range e.Fields {
		got[f.Location] = f.Message
	}
	if got["body.phone"] == "" || got["body.uscc"] == "" {
		t.Errorf("locations must use JSON names: %v", got)
	}
	if m := got["body.uscc"]; m == "fails rule uscc" || len(m) < 20 {
		t.Errorf("the credit-code message must explain the problem: %q", m)
	}
}

type note struct {
	Name  string              `json:"name"`
	Tags  []string            `json:"tags"`
	Inner *struct{ X string } `json:"inner"`
}

func TestUnstorableText(t *testing.T) {
	v := New()
	cases := map[string]note{
		"body.name":    {Name: "a\x00b"},
		"body.tags[1]": {Tags: []string{"ok", "\xff\xfe"}},
		"body.inner.X": {Inner: &struct{ X string }{X: "\x00"}},
	}
	for loc, in := range cases {
		var e *errs.Error
		if err := v.Struct(in, "body"); !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Location != loc {
			t.Errorf("%s: got %v", loc, err)
		}
	}
	if err := v.Struct(note{Name: "张伟", Tags: []string{"\u202eevil"}}, "body"); err != nil {
		t.Errorf("ordinary (even odd) text refused: %v", err)
	}
}

// The labels and list a test form uses; lists are found by their codes, as in production.
var testEducation = vocab.NewList("test_education", vocab.T("phd", "博士（测试）", "PhD"), vocab.T("ba", "本科（测试）", "BA"))

type form struct {
	Name      string   `json:"name" validate:"required,max=4"`
	Education string   `json:"education" validate:"oneof=phd ba"`
	USCC      string   `json:"uscc" validate:"uscc"`
	Tags      []string `json:"tags" validate:"max=1"`
	Year      int      `json:"graduation_year" validate:"min=1940"`
	Mobile    string   `json:"mobile" validate:"omitempty,cn_mobile"`
}

func TestFieldErrors_Bilingual(t *testing.T) {
	err := New().Struct(form{Name: "张三李四王", Education: "x", USCC: "91350100M000100Y44", Tags: []string{"a", "b"},
		Year: 1900, Mobile: "123"}, "body")
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != "invalid_fields" {
		t.Fatalf("want field errors, got %v", err)
	}
	want := map[string]struct{ code, zh, en string }{
		"body.name":            {"max_length", "姓名：不能超过 4 个字符", "Name: too long (at most 4 characters)"},
		"body.education":       {"enum", "学历：应为以下之一：博士（测试）、本科（测试）", "Education: must be one of: phd, ba"},
		"body.uscc":            {"uscc_checksum", "统一社会信用代码的校验码", "unified social credit code"},
		"body.tags":            {"max_items", "tags：最多只能填写 1 项", "tags: too many (at most 1)"},
		"body.graduation_year": {"minimum", "毕业年份：不能小于 1940", "Graduation year: too small (at least 1940)"},
		"body.mobile":          {"mobile", "手机号码：不是有效的手机号码", "Mobile number: not a mainland mobile number"},
	}
	if len(e.Fields) != len(want) {
		t.Errorf("got %d fields, want %d: %+v", len(e.Fields), len(want), e.Fields)
	}
	for _, f := range e.Fields {
		w, ok := want[f.Location]
		if !ok {
			t.Errorf("unexpected field %s", f.Location)
			continue
		}
		if f.Code != w.code || !strings.HasPrefix(f.Zh, w.zh) || !strings.Contains(f.Message, w.en) {
			t.Errorf("%s: got %q %q %q, want %q, %q…, …%q…", f.Location, f.Code, f.Zh, f.Message, w.code, w.zh, w.en)
		}
	}
	if err := New().Struct(form{Education: "ba", USCC: "91350100M000100Y43", Year: 2000}, "body"); err == nil ||
		!strings.Contains(err.(*errs.Error).Fields[0].Zh, "姓名：必须填写") {
		t.Errorf("a missing name: %v", err)
	}
}

func TestUnstorableText_Bilingual(t *testing.T) {
	err := New().Struct(note{Name: "a\x00b"}, "body")
	var e *errs.Error
	if !errors.As(err, &e) || len(e.Fields) != 1 {
		t.Fatalf("got %v", err)
	}
	if f := e.Fields[0]; f.Code != "nul_character" || f.Zh != "姓名：不能包含空字符（U+0000）" {
		t.Errorf("got %+v", f)
	}
}
