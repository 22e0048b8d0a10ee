package money

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"talentd/internal/errs"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Fen
	}{
		{"12.34", 1234},
		{"12.3", 1230},
		{"12", 1200},
		{"0", 0},
		{"0.05", 5},
		{"0.5", 50},
		{"-3.50", -350},
		{"-0.01", -1},
		{"+7", 700},
		{"-0", 0},
		{"1,234.56", 123456},
		{"1,234,567", 123456700},
		{"¥350000", 35000000},
		{"￥350,000.00", 35000000},
		{"¥-3.50", -350},
		{"-¥3.50", -350},
		{"350000元", 35000000},
		{"350000 元", 35000000},
		{"35万", 35000000},
		{"35万元", 35000000},
		{"35.5万", 35500000},
		{"1.2345万", 1234500},
		{"1.23456万", 1234560}, // 12,345.60 yuan: whole fen,
		{"0.000001万", 1},
		{"1.230", 123},
		{"007.10", 710},
		{" 12.34 ", 1234},
		{"\u300012.34\u3000", 1234},
		{"１２．３４", 1234},
		{"１，２３４元", 123400},
		{"－５", -500},
		{"10000000000000", Max},
		{"10000000000000.00", Max},
		{"-10000000000000", -Max},
		{"1000000000万", Max},
	} {
		got, err := Parse(c.in)
		if err != nil || got != c.want {
			t.Errorf("Parse(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}

func TestParse_Refuses(t *testing.T) {
	for _, c := range []struct{ in, why string }{
		{"", "金额不能为空"},
		{"   ", "金额不能为空"},
		{"0.001", "金额最多精确到分（小数点后两位）"},
		{"1.234", "金额最多精确到分（小数点后两位）"},
		{"1.2345678万", "金额最多精确到分（小数点后两位）"},
		{"0.0000001万", "金额最多精确到分（小数点后两位）"},
		{"10000000000000.01", "金额超出允许范围（不超过 10 万亿元）"},
		{"1000000000.000001万", "金额超出允许范围（不超过 10 万亿元）"},
		{"99999999999999999999999", "金额超出允许范围（不超过 10 万亿元）"},
		{"-10000000000001", "金额超出允许范围（不超过 10 万亿元）"},
		{"9223372036854775807", "金额超出允许范围（不超过 10 万亿元）"},
	} {
		_, err := Parse(c.in)
		var e *errs.Error
		if !errors.As(err, &e) || e.Zh != c.why || e.Kind != errs.Invalid || e.Code != "invalid_amount" || e.Message == "" {
			t.Errorf("Parse(%q) = %v; want %q", c.in, err, c.why)
		}
	}
	for _, in := range []string{"abc", "1e5", "1E5", "NaN", "Inf", "-Inf", "0x10", "--3", "+-3", "-+3", "-¥-3",
		"1,2", "1,23", "12,34.5", ",123", "1,234,56", "1234,567", "12.", ".5", "1.2.3", "1.-2", "¥", "元", "万",
		"万35", "35万万", "3 5", "¥¥3", "3¥", "12.34.", "1_000", "½", "٣", "12a", "a12", "-", "+"} {
		if f, err := Parse(in); !errors.Is(err, ErrInvalidAmount) {
			t.Errorf("Parse(%q) = %d, %v; want an invalid amount", in, f, err)
		}
	}
}

func TestFen_String(t *testing.T) {
	for f, want := range map[Fen]string{
		0: "0.00", 1: "0.01", 5: "0.05", 50: "0.50", 99: "0.99", 100: "1.00", 1234: "12.34",
		-1: "-0.01", -50: "-0.50", -1234: "-12.34", -100: "-1.00",
		35000000: "350000.00", Max: "10000000000000.00",
		math.MaxInt64: "92233720368547758.07", math.MinInt64: "-92233720368547758.08",
	} {
		if got := f.String(); got != want {
			t.Errorf("Fen(%d).String() = %q, want %q", int64(f), got, want)
		}
	}
	for f, want := range map[Fen]string{
		0: "0.00", 123456: "1,234.56", 99999: "999.99", 100000: "1,000.00", -123456789: "-1,234,567.89",
		35000000: "350,000.00", math.MinInt64: "-92,233,720,368,547,758.08",
	} {
		if got := f.Yuan(); got != want {
			t.Errorf("Fen(%d).Yuan() = %q, want %q", int64(f), got, want)
		}
	}
}

func TestFen_JSON(t *testing.T) {
	raw, err := json.Marshal(struct {
		Amount Fen `json:"amount_fen"`
	}{123456})
	if err != nil || string(raw) != `{"amount_fen":123456}` {
		t.Errorf("marshal: %s %v", raw, err)
	}
	var back struct {
		Amount Fen `json:"amount_fen"`
	}
	if err := json.Unmarshal([]byte(`{"amount_fen":-50}`), &back); err != nil || back.Amount != -50 {
		t.Errorf("unmarshal: %d %v", back.Amount, err)
	}
}

// FuzzParse: Parse never panics, whatever it is given; whatever it accepts lies within Max; and
// every amount it formats reads back as itself.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"12.34", "-3.50", "1,234.56", "¥350000", "￥350,000.00", "35万", "1.2345万", "0.001",
		"1e5", "NaN", "--1", "１２．３４", "10000000000000.01", "", "万"} {
		f.Add(s, int64(0))
	}
	f.Add("", int64(Max))
	f.Add("", int64(-Max))
	f.Add("", int64(math.MinInt64))
	f.Fuzz(func(t *testing.T, s string, n int64) {
		if got, err := Parse(s); err == nil {
			if got > Max || got < -Max {
				t.Errorf("Parse(%q) = %d, beyond Max", s, got)
			}
			roundTrip(t, got)
		}
		if n >= -int64(Max) && n <= int64(Max) {
			roundTrip(t, Fen(n))
		}
	})
}

func roundTrip(t *testing.T, f Fen) {
	t.Helper()
	for _, text := range []string{f.String(), f.Yuan()} {
		if back, err := Parse(text); err != nil || back != f {
			t.Errorf("Parse(%q) = %d, %v; want %d", text, back, err, int64(f))
		}
	}
}
