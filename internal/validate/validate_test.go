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
