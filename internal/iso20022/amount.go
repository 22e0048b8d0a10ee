package iso20022

import (
	"strconv"
	"strings"

	"talentd/internal/money"
)

// Currency is the only currency talentd pays in.
const Currency = "CNY"

// parseDecimal reads a non-negative decimal of yuan with at most two places ("12", "12.3",
// "12.30") as fen exactly. It refuses signs, exponents, separators, a third decimal place (CNY has
// two minor units, so "0.001" or even "1.000" is not an amount a bank may report) and anything
// beyond money.Max. ok is false for any such text.
func parseDecimal(s string) (money.Fen, bool) {
	whole, frac, hasDot := strings.Cut(s, ".")
	if !allDigits(whole) || (hasDot && (!allDigits(frac) || len(frac) > 2)) {
		return 0, false
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 16 {
		return 0, false
	}
	w, err := strconv.ParseInt("0"+whole, 10, 64)
	if err != nil || w > int64(money.Max)/100 {
		return 0, false
	}
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			f *= 10
		}
	}
	amount := w*100 + f
	if amount > int64(money.Max) {
		return 0, false
	}
	return money.Fen(amount), true
}

// parseCount reads the schema's Max15NumericText, a count of transactions.
func parseCount(s string) (int, bool) {
	if len(s) > 15 || !allDigits(s) {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// allDigits reports whether s is one or more ASCII digits.
func allDigits(s string) bool {
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
