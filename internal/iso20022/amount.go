package iso20022

import (
	"regexp"
	"strconv"

	"talentd/internal/money"
)

// Currency is the only currency talentd pays in.
const Currency = "CNY"

var (
	// decimalPattern is the schema's decimal as a CNY amount may be written: no sign, no exponent,
	// no separators, at most two places, since CNY has two minor units ("0.001" and even "1.000"
	// are not amounts a bank may state).
	decimalPattern = regexp.MustCompile(`^[0-9]{1,17}(\.[0-9]{1,2})?$`)
	// countPattern is the schema's Max15NumericText, a count of transactions.
	countPattern = regexp.MustCompile(`^[0-9]{1,15}$`)
)

// parseDecimal reads a non-negative decimal of yuan with at most two places ("12", "12.3",
// "12.30") as fen exactly, never through a float; ok is false for any other text and for an
// amount beyond money.Max.
func parseDecimal(s string) (money.Fen, bool) {
	if !decimalPattern.MatchString(s) {
		return 0, false
	}
	f, err := money.Parse(s)
	return f, err == nil
}

// parseCount reads a count of transactions.
func parseCount(s string) (int, bool) {
	if !countPattern.MatchString(s) {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}
