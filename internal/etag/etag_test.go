package etag

import (
	"errors"
	"testing"
)

func TestVersion(t *testing.T) {
	cases := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"", 0, false},
		{"*", 0, false},
		{`"3"`, 3, false},
		{`W/"12"`, 12, false},
		{` "7" `, 7, false},
		{`3`, 0, true},
		{`"0"`, 0, true},
		{`"-1"`, 0, true},
		{`"abc"`, 0, true},
		{`"`, 0, true},
	}
	for _, c := range cases {
		got, err := Version(c.in)
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("Version(%q) = %d, %v; want %d, err %t", c.in, got, err, c.want, c.wantErr)
		}
		if err != nil && !errors.Is(err, ErrStale) {
			t.Errorf("Version(%q) error %v is not ErrStale", c.in, err)
		}
	}
	if Of(mustVersion(Version(Of(42)))) != Of(42) {
		t.Error("Of and Version do not round-trip")
	}
}

func mustVersion(v int, err error) int {
	if err != nil {
		panic(err)
	}
	return v
}

func TestCheck(t *testing.T) {
	if err := Check(0, 5); err != nil {
		t.Errorf("no precondition must pass: %v", err)
	}
	if err := Check(5, 5); err != nil {
		t.Errorf("matching version must pass: %v", err)
	}
	if err := Check(4, 5); !errors.Is(err, ErrStale) {
		t.Errorf("stale version must fail with ErrStale, got %v", err)
	}
}

func TestContentTags(t *testing.T) {
	a, b := OfContent([]byte("甲")), OfContent([]byte("乙"))
	if a == b || a != OfContent([]byte("甲")) || a[0] != '"' || a[len(a)-1] != '"' {
		t.Errorf("OfContent: %s %s", a, b)
	}
	for header, want := range map[string]bool{a: true, "W/" + a: true, `"x", ` + a: true, "*": true, "": false, b: false, `"x"`: false} {
		if got := NoneMatch(header, a); got != want {
			t.Errorf("NoneMatch(%q) = %v, want %v", header, got, want)
		}
	}
}
