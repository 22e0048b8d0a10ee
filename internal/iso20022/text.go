package iso20022

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"talentd/internal/errs"
)

// Lengths of the schema's text types, counted in characters as XML Schema counts them.
const (
	max34Text  = 34  // Max34Text: a generic account number
	max35Text  = 35  // Max35Text: message, payment and transaction identifiers
	max140Text = 140 // Max140Text: names and unstructured remittance information
)

// idChar reports whether c may appear in an identifier. Identifiers travel through every bank on
// the way and back into the status report, so they keep to the SWIFT "x" character set, which
// every clearing system carries unchanged; names and remittance text may be Chinese.
func idChar(c rune) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case '/', '-', '?', ':', '(', ')', '.', ',', '\'', '+':
		return true
	}
	return false
}

// checkID appends a field error when id is not a usable identifier of at most max characters.
func checkID(out []errs.FieldError, location, id string, max int) []errs.FieldError {
	switch {
	case id == "":
		return append(out, errs.Field(location, "required", "不能为空", "is required", id))
	case utf8.RuneCountInString(id) > max:
		return append(out, tooLong(location, id, max))
	}
	for _, c := range id {
		if !idChar(c) {
			return append(out, errs.Field(location, "invalid_characters",
				"只能包含英文字母、数字和 / - ? : ( ) . , ' + 这些符号，不能有空格或中文",
				"may hold only letters, digits and / - ? : ( ) . , ' + (no spaces, no Chinese)", id))
		}
	}
	return out
}

// checkText appends a field error when s is not printable text of at most max characters; empty
// text is refused when required.
func checkText(out []errs.FieldError, location, s string, max int, required bool) []errs.FieldError {
	switch {
	case s == "" && required:
		return append(out, errs.Field(location, "required", "不能为空", "is required", s))
	case !utf8.ValidString(s):
		return append(out, errs.Field(location, "invalid_utf8", "不是有效的 UTF-8 文本", "is not valid UTF-8 text", nil))
	case utf8.RuneCountInString(s) > max:
		return append(out, tooLong(location, s, max))
	}
	for _, c := range s {
		// Control characters (NUL, tabs, line breaks) are not allowed in XML 1.0 or are
		// normalised away by banks; non-characters cannot be written in XML at all.
		if unicode.IsControl(c) || c == 0xFFFE || c == 0xFFFF {
			return append(out, errs.Field(location, "invalid_characters",
				"不能包含换行、制表符等控制字符", "must not contain control characters such as line breaks or tabs", s))
		}
	}
	if strings.TrimSpace(s) != s {
		return append(out, errs.Field(location, "surrounding_space",
			"开头和结尾不能有空格", "must not begin or end with a space", s))
	}
	return out
}

func tooLong(location, s string, max int) errs.FieldError {
	return errs.Field(location, "too_long",
		"不能超过 "+strconv.Itoa(max)+" 个字符", "must be at most "+strconv.Itoa(max)+" characters", s)
}
