package civil

import (
	"encoding/json"
	"testing"
	"time"
)

func TestYearsUntil(t *testing.T) {
	born := New(1990, time.May, 17)
	for on, want := range map[Date]int{
		New(2020, time.May, 16): 29, New(2020, time.May, 17): 30, New(2020, time.December, 31): 30,
		New(1990, time.May, 17): 0, New(2021, time.January, 1): 30,
	} {
		if got := born.YearsUntil(on); got != want {
			t.Errorf("age on %s = %d, want %d", on, got, want)
		}
	}
	leap := New(2000, time.February, 29)
	if got := leap.YearsUntil(New(2001, time.February, 28)); got != 0 {
		t.Errorf("leap-day birthday: %d", got)
	}
	if got := leap.YearsUntil(New(2001, time.March, 1)); got != 1 {
		t.Errorf("leap-day birthday after: %d", got)
	}
}

func TestJSONAndSQL(t *testing.T) {
	var v struct {
		D Date  `json:"d"`
		P *Date `json:"p"`
	}
	if err := json.Unmarshal([]byte(`{"d":"1988-02-29","p":null}`), &v); err != nil || v.D.String() != "1988-02-29" || v.P != nil {
		t.Fatalf("%v %+v", err, v)
	}
	out, _ := json.Marshal(v)
	if string(out) != `{"d":"1988-02-29","p":null}` {
		t.Errorf("marshal: %s", out)
	}
	for _, bad := range []string{`{"d":"1988-02-30"}`, `{"d":"29/02/1988"}`, `{"d":19880229}`} {
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	var d Date
	if err := d.Scan(time.Date(2001, 2, 3, 0, 0, 0, 0, time.UTC)); err != nil || d.String() != "2001-02-03" {
		t.Errorf("scan: %v %s", err, d)
	}
	if val, _ := (Date{}).Value(); val != nil {
		t.Error("zero date must be NULL")
	}
}
