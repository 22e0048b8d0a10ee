// Package money is talentd's one type for amounts of money: Fen, a whole number of fen (分, a
// hundredth of a yuan). Amounts are read from the decimal text clerks write ("350000",
// "1,234.56", "¥350,000.00", "35万") without ever passing through a float, so that no amount is
// off by a fen, and an amount finer than a fen is refused rather than rounded.
package money

import (
	"strconv"
	"strings"

	"talentd/internal/errs"
)

// Fen is an amount of money in fen. Its JSON form is the integer (the API's fields are named
// *_fen); String and Yuan are its forms for people.
type Fen int64

// Max is the largest amount Parse accepts, 10^15 fen (ten trillion yuan): far beyond any sum the
// district pays, and far enough below the int64 limit that sums of many amounts cannot overflow.
const Max Fen = 1_000_000_000_000_000

// ErrInvalidAmount is matched (errors.Is) by every error Parse returns; each says in its messages
// what is wrong with the text.
var ErrInvalidAmount = errs.New(errs.Invalid, "invalid_amount", "金额格式不正确", "not an amount of money")

// Errors Parse returns; each matches ErrInvalidAmount.
var (
	errEmpty = errs.New(errs.Invalid, "invalid_amount", "金额不能为空",
		"the amount is empty")
	errSyntax = errs.New(errs.Invalid, "invalid_amount", "金额格式不正确，请填写数字，如 350000、350000.50、35万",
		"not an amount of money; write it as 350000, 350000.50 or 35万")
	errSubFen = errs.New(errs.Invalid, "invalid_amount", "金额最多精确到分（小数点后两位）",
		"the amount is finer than one fen (two decimals of a yuan)")
	errTooLarge = errs.New(errs.Invalid, "invalid_amount", "金额超出允许范围（不超过 10 万亿元）",
		"the amount is too large (at most 10 trillion yuan)")
)

// fullWidth folds the full-width characters a Chinese input method types into their ASCII forms.
var fullWidth = strings.NewReplacer(
	"０", "0", "１", "1", "２", "2", "３", "3", "４", "4", "５", "5", "６", "6", "７", "7", "８", "8", "９", "9",
	"．", ".", "，", ",", "－", "-", "＋", "+", "\u3000", " ",
)

// Parse reads an amount of yuan written as clerks write it: "12.34", "-3.50", "1,234.56",
// "¥350000", "￥350,000.00", "350000元", "35万" (350,000 yuan), "35.5万元", full-width digits.
// It refuses text that is not such an amount (exponents, NaN, two signs, misplaced separators),
// an amount finer than a fen ("0.001", "1.23456万") and one beyond Max. Every error matches
// ErrInvalidAmount.
func Parse(text string) (Fen, error) {
	s := strings.TrimSpace(fullWidth.Replace(text))
	if s == "" {
		return 0, errEmpty
	}
	s, neg := cutSign(s)
	if rest, ok := cutCurrency(s); ok {
		s = rest
		if !neg {
			// The sign may also follow the currency symbol: "¥-3.50".
			s, neg = cutSign(s)
		}
	}
	// scale is how many decimal places of the unit the number is written in are whole fen: 2 for
	// yuan, 6 for 万 (ten thousand yuan, a million fen).
	scale := 2
	s = strings.TrimSpace(strings.TrimSuffix(s, "元"))
	if rest, ok := strings.CutSuffix(s, "万"); ok {
		s, scale = rest, 6
	}
	s = strings.TrimSpace(s)
	whole, frac, hasDot := strings.Cut(s, ".")
	whole, ok := ungroup(whole)
	if !ok || (hasDot && (frac == "" || !digits(frac))) {
		return 0, errSyntax
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > scale {
		return 0, errSubFen
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 16 {
		return 0, errTooLarge
	}
	w, err := strconv.ParseInt("0"+whole, 10, 64)
	if err != nil {
		return 0, errSyntax
	}
	unit := pow10(scale)
	if w > int64(Max)/unit {
		return 0, errTooLarge
	}
	f := int64(0)
	if frac != "" {
		if f, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return 0, errSyntax
		}
		f *= pow10(scale - len(frac))
	}
	amount := w*unit + f
	if amount > int64(Max) {
		return 0, errTooLarge
	}
	if neg {
		amount = -amount
	}
	return Fen(amount), nil
}

// cutSign removes one leading + or - and reports whether it was a minus.
func cutSign(s string) (string, bool) {
	switch {
	case strings.HasPrefix(s, "-"):
		return strings.TrimSpace(s[1:]), true
	case strings.HasPrefix(s, "+"):
		return strings.TrimSpace(s[1:]), false
	}
	return s, false
}

// cutCurrency removes a leading yuan sign, half- or full-width.
func cutCurrency(s string) (string, bool) {
	for _, sym := range []string{"¥", "￥"} {
		if rest, ok := strings.CutPrefix(s, sym); ok {
			return strings.TrimSpace(rest), true
		}
	}
	return s, false
}

// ungroup removes thousands separators from the whole part of a number, insisting that they sit
// every three digits ("1,234,567"), so that a list such as "1,2" is not read as twelve.
func ungroup(whole string) (string, bool) {
	if !strings.Contains(whole, ",") {
		return whole, digits(whole)
	}
	groups := strings.Split(whole, ",")
	if len(groups[0]) == 0 || len(groups[0]) > 3 || !digits(groups[0]) {
		return "", false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 || !digits(g) {
			return "", false
		}
	}
	return strings.Join(groups, ""), true
}

// digits reports whether s is one or more ASCII digits.
func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// String formats f as yuan with two decimals: 1234 → "12.34", -50 → "-0.50", 0 → "0.00". Parse
// reads it back as f.
func (f Fen) String() string {
	sign, yuan, fen := f.parts()
	return sign + strconv.FormatUint(yuan, 10) + "." + twoDigits(fen)
}

// Yuan formats f for display, as String does but with thousands separators: "1,234.56".
func (f Fen) Yuan() string {
	sign, yuan, fen := f.parts()
	digits := strconv.FormatUint(yuan, 10)
	var b strings.Builder
	b.WriteString(sign)
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String() + "." + twoDigits(fen)
}

// parts splits f into its sign, whole yuan and remaining fen; the magnitude is unsigned so that
// the most negative Fen formats too.
func (f Fen) parts() (sign string, yuan, fen uint64) {
	mag := uint64(f)
	if f < 0 {
		sign, mag = "-", uint64(-(f+1))+1
	}
	return sign, mag / 100, mag % 100
}

func twoDigits(n uint64) string {
	if n < 10 {
		return "0" + strconv.FormatUint(n, 10)
	}
	return strconv.FormatUint(n, 10)
}
