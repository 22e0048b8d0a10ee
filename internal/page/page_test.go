package page

import (
	"testing"

	"talentd/internal/errs"
)

func TestQuery_AfterRoundTrip(t *testing.T) {
	for _, id := range []int64{1, 42, 9_007_199_254_740_993} {
		got, err := Query{Cursor: Cursor(id)}.After()
		if err != nil || got != id {
			t.Errorf("After(Cursor(%d)) = %d, %v", id, got, err)
		}
	}
	if got, err := (Query{}).After(); err != nil || got != 0 {
		t.Errorf("empty cursor: %d, %v", got, err)
	}
	for _, bad := range []string{"!!", "LTE", Cursor(0), "YWJj"} { // "-1", "0", "abc"
		if _, err := (Query{Cursor: bad}).After(); errs.KindOf(err) != errs.BadRequest {
			t.Errorf("cursor %q: want BadRequest, got %v", bad, err)
		}
	}
}

func TestQuery_Size(t *testing.T) {
	for in, want := range map[int]int{0: DefaultLimit, -3: DefaultLimit, 1: 1, 500: 500, 501: MaxLimit} {
		if got := (Query{Limit: in}).Size(); got != want {
			t.Errorf("Size(%d) = %d, want %d", in, got, want)
		}
	}
}

func TestBuild(t *testing.T) {
	id := func(v int64) int64 { return v }
	p := Build([]int64{1, 2, 3}, 2, id)
	if len(p.Items) != 2 || p.NextCursor != Cursor(2) {
		t.Errorf("over-full page: %+v", p)
	}
	p = Build([]int64{1, 2}, 2, id)
	if len(p.Items) != 2 || p.NextCursor != "" {
		t.Errorf("last page: %+v", p)
	}
	if p := Build[int64](nil, 2, id); p.Items == nil || len(p.Items) != 0 {
		t.Errorf("empty page must have an empty, non-nil items list: %+v", p)
	}
}
