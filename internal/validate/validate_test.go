package validate

import (
	"errors"
	"testing"

	"talentd/internal/errs"
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
