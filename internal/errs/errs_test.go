package errs

import (
	"errors"
	"fmt"
	"testing"
)

func TestSentinels(t *testing.T) {
	a := FieldsWith("weak_password", "密码太弱", "weak", Field("body.password", "password_length", "密码：太短", "too short", nil))
	b := FieldsWith("wrong_password", "密码不对", "wrong")
	if !errors.Is(fmt.Errorf("wrapped: %w", a), a) || errors.Is(a, b) || errors.Is(a, Fields()) {
		t.Error("field-error sentinels must compare by their own codes")
	}
	busy := New(Unavailable, "busy", "系统忙", "busy")
	later := busy.RetryAfter(7)
	if later.RetryAfterSeconds != 7 || busy.RetryAfterSeconds != 0 || !errors.Is(later, busy) {
		t.Errorf("RetryAfter must copy: %+v %+v", later, busy)
	}
	if busy.In("zh") != "系统忙" || busy.In("en") != "busy" || (&Error{Message: "only English"}).In("zh") != "only English" {
		t.Error("In picks the reader's language, falling back to English")
	}
	if f := a.Fields[0]; f.In("zh") != "密码：太短" || f.In("en") != "too short" {
		t.Errorf("FieldError.In: %+v", f)
	}
}
