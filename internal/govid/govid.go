// Package govid checks the two national identifiers that talentd stores: the unified social credit
// code of an organisation (统一社会信用代码, GB 32100-2015) and the resident identity number of a
// person (居民身份证号码, GB 11643-1999).
//
// Every rejection is an *errs.Error of kind Invalid with a stable code ("uscc_checksum",
// "id_number_birth_date", …) and a message in Chinese and English that is safe to send to the
// client and never repeats the identity number, so a handler can return it as is; its cause is
// one of the sentinel errors below, for callers that branch with errors.Is.
package govid

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"

	"talentd/internal/civil"
	"talentd/internal/errs"
)

// The causes behind a rejection, shared by both identifiers.
var (
	ErrLength    = errors.New("govid: wrong length")             // not 18 characters
	ErrCharset   = errors.New("govid: character not allowed")    // a character outside the code's alphabet
	ErrFormat    = errors.New("govid: structure not recognised") // a structural field holds an impossible value
	ErrChecksum  = errors.New("govid: check character mismatch") // the last character disagrees with the first 17
	ErrBirthDate = errors.New("govid: impossible birth date")    // not a calendar date, in the future or before 1900
)

const codeLen = 18

// invalid is a rejection with a stable code and its reason in Chinese and English; cause is the
// sentinel behind it.
func invalid(cause error, code, zh, en string) error {
	return errs.Wrap(errs.Invalid, code, zh, en, cause)
}

// usccCharset is the GB 32100 alphabet: digits and upper-case letters without I, O, Z, S and V,
// which are too easily misread as 1, 0, 2, 5 and U.
const usccCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// usccValue maps each byte to its index in usccCharset, or -1.
var usccValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := range len(usccCharset) {
		t[usccCharset[i]] = int8(i)
	}
	return t
}()

// usccAuthorities are the registration-authority codes (position 1) assigned so far: the four of
// the 2015 standard (1 机构编制, 5 民政, 9 工商, Y 其他) and those the code office added later for
// other registrars (foreign affairs, justice, culture, tourism, religion, unions, the military,
// agriculture). Position 2, the organisation type, is 1–9 under every one of them.
const usccAuthorities = "123456789ANY"

// ValidUSCC reports whether s is a well-formed unified social credit code with a correct check
// character. Letters must be upper case.
func ValidUSCC(s string) bool { return CheckUSCC(s) == nil }

// CheckUSCC explains why s is not a valid unified social credit code, or returns nil.
func CheckUSCC(s string) error {
	const name = "unified social credit code (统一社会信用代码)"
	if len(s) != codeLen {
		return invalid(ErrLength, "uscc_length", fmt.Sprintf("统一社会信用代码应为 18 位，现为 %d 位", len(s)),
			fmt.Sprintf("%s must be exactly 18 characters, got %d", name, len(s)))
	}
	for i := range codeLen {
		c := s[i]
		if usccValue[c] >= 0 {
			continue
		}
		switch {
		case c >= 'a' && c <= 'z':
			return invalid(ErrCharset, "uscc_charset", fmt.Sprintf("统一社会信用代码中的字母应为大写（第 %d 位是 %q）", i+1, c),
				fmt.Sprintf("%s must be written in upper case (character %d is %q)", name, i+1, c))
		case strings.IndexByte("IOZSV", c) >= 0:
			return invalid(ErrCharset, "uscc_charset",
				fmt.Sprintf("统一社会信用代码不使用字母 I、O、Z、S、V（第 %d 位是 %q，是否应为 %q？）", i+1, c, lookalike(c)),
				fmt.Sprintf("%s never contains the letters I, O, Z, S or V (character %d is %q; did you mean %q?)", name, i+1, c, lookalike(c)))
		case c < 0x80:
			return invalid(ErrCharset, "uscc_charset", fmt.Sprintf("统一社会信用代码只能由数字和大写字母组成（第 %d 位是 %q）", i+1, c),
				fmt.Sprintf("%s may contain only digits and upper-case letters (character %d is %q)", name, i+1, c))
		default:
			return invalid(ErrCharset, "uscc_charset",
				fmt.Sprintf("统一社会信用代码只能由数字和大写字母组成，不能含全角或其他非 ASCII 字符（第 %d 个字节）", i+1),
				fmt.Sprintf("%s may contain only digits and upper-case letters; full-width or other non-ASCII characters are not allowed (at byte %d)", name, i+1))
		}
	}
	if strings.IndexByte(usccAuthorities, s[0]) < 0 {
		return invalid(ErrFormat, "uscc_format", fmt.Sprintf("统一社会信用代码第 1 位（登记管理部门代码）%q 不是已分配的代码", s[0]),
			fmt.Sprintf("%s: character 1 (registration authority) %q is not an assigned authority code", name, s[0]))
	}
	if s[1] < '1' || s[1] > '9' {
		return invalid(ErrFormat, "uscc_format", fmt.Sprintf("统一社会信用代码第 2 位（机构类别代码）应为数字 1–9，现为 %q", s[1]),
			fmt.Sprintf("%s: character 2 (organisation type) must be a digit 1-9, got %q", name, s[1]))
	}
	for i := 2; i < 8; i++ {
		if s[i] < '0' || s[i] > '9' {
			return invalid(ErrFormat, "uscc_format",
				fmt.Sprintf("统一社会信用代码第 3–8 位（行政区划码）应为数字，第 %d 位是 %q", i+1, s[i]),
				fmt.Sprintf("%s: characters 3-8 (administrative division code) must be digits, character %d is %q", name, i+1, s[i]))
		}
	}
	want, _ := USCCCheckChar(s[:17])
	if s[17] != want {
		return invalid(ErrChecksum, "uscc_checksum", "统一社会信用代码的校验码（最后一位）与前 17 位不符，请检查是否有输错或前后颠倒的字符",
			name+": the check character (the last one) does not match the first 17 characters; please look for a mistyped or swapped character")
	}
	return nil
}

// lookalike suggests what a forbidden letter was probably meant to be.
func lookalike(c byte) byte {
	switch c {
	case 'I':
		return '1'
	case 'O':
		return '0'
	case 'Z':
		return '2'
	case 'S':
		return '5'
	default: // 'V'
		return 'U'
	}
}

// USCCCheckChar computes the GB 32100 check character for the first 17 characters of a unified
// social credit code. It checks only the alphabet, so generators can build any code they like.
func USCCCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, invalid(ErrLength, "uscc_length", fmt.Sprintf("统一社会信用代码的主体应为 17 位，现为 %d 位", len(first17)),
			fmt.Sprintf("the body of a unified social credit code is 17 characters, got %d", len(first17)))
	}
	sum := 0
	for i := range 17 {
		v := usccValue[first17[i]]
		if v < 0 {
			return 0, invalid(ErrCharset, "uscc_charset", fmt.Sprintf("统一社会信用代码主体的第 %d 位不是允许的字符（%s）", i+1, usccCharset),
				fmt.Sprintf("character %d of a unified social credit code body is not in %s", i+1, usccCharset))
		}
		sum += int(v) * usccWeights[i]
	}
	return usccCharset[(31-sum%31)%31], nil
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// IDNumber is what a resident identity number says about its holder. It deliberately omits the
// number itself so that the value can be logged.
type IDNumber struct {
	Region    string    // the six-digit administrative division code of first registration
	BirthDate time.Time // midnight UTC of the birth date
	Gender    string    // "male" or "female"
}

// idProvinces lists the two-digit province codes of GB/T 2260 plus 81–83, used by the residence
// permits of Hong Kong, Macao and Taiwan residents, which share the number format.
var idProvinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "83": true,
}

// ParseIDNumber checks an 18-character resident identity number and returns what it encodes. A
// lower-case check character x is accepted as X. Foreign permanent residents' numbers (first
// digit 9, same checksum) are accepted too.
func ParseIDNumber(s string) (IDNumber, error) {
	const name = "resident identity number (居民身份证号码)"
	if len(s) != codeLen {
		if len(s) == 15 && allDigits(s) {
			return IDNumber{}, invalid(ErrLength, "id_number_length", "身份证号码应为 18 位；15 位的旧号码已不再受理，请提供 18 位号码",
				name+" must be 18 characters; the old 15-digit numbers are no longer accepted, please give the 18-character one")
		}
		return IDNumber{}, invalid(ErrLength, "id_number_length", fmt.Sprintf("身份证号码应为 18 位，现为 %d 位", len(s)),
			fmt.Sprintf("%s must be exactly 18 characters, got %d", name, len(s)))
	}
	for i := range 17 {
		if s[i] < '0' || s[i] > '9' {
			return IDNumber{}, invalid(ErrCharset, "id_number_charset", fmt.Sprintf("身份证号码前 17 位应为数字，第 %d 位不是数字", i+1),
				fmt.Sprintf("%s: the first 17 characters must be digits, character %d is not", name, i+1))
		}
	}
	last := s[17]
	if last == 'x' {
		last = 'X'
	}
	if (last < '0' || last > '9') && last != 'X' {
		return IDNumber{}, invalid(ErrCharset, "id_number_charset", "身份证号码最后一位应为数字或 X",
			name+": the last character must be a digit or X")
	}
	if !idProvinces[s[:2]] && s[0] != '9' {
		return IDNumber{}, invalid(ErrFormat, "id_number_region", "身份证号码前两位不是有效的省级行政区划代码",
			name+": the first two digits are not a province code")
	}
	birth, err := idBirthDate(s[6:14])
	if err != nil {
		return IDNumber{}, err
	}
	want, _ := IDCheckChar(s[:17])
	if last != want {
		return IDNumber{}, invalid(ErrChecksum, "id_number_checksum", "身份证号码的校验码（最后一位）与前 17 位不符，请检查是否有输错或前后颠倒的数字",
			name+": the check character (the last one) does not match the first 17 digits; please look for a mistyped or swapped digit")
	}
	gender := "male"
	if (s[16]-'0')%2 == 0 {
		gender = "female"
	}
	return IDNumber{Region: s[:6], BirthDate: birth, Gender: gender}, nil
}

func idBirthDate(d string) (time.Time, error) {
	const name = "resident identity number (居民身份证号码)"
	y := atoi(d[0:4])
	m := atoi(d[4:6])
	day := atoi(d[6:8])
	t := time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC)
	// time.Date normalises 30 February to 2 March, so a round trip exposes impossible dates.
	if m < 1 || m > 12 || t.Year() != y || t.Month() != time.Month(m) || t.Day() != day {
		return time.Time{}, invalid(ErrBirthDate, "id_number_birth_date", "身份证号码第 7–14 位应为真实的出生日期（年月日），这个日期不存在",
			name+": characters 7-14 must be a real birth date (YYYYMMDD), and this one does not exist")
	}
	if y < 1900 {
		return time.Time{}, invalid(ErrBirthDate, "id_number_birth_date", "身份证号码第 7–14 位的出生日期早于 1900 年",
			name+": the birth date in characters 7-14 is before 1900")
	}
	if t.After(civil.DistrictToday().Time()) {
		return time.Time{}, invalid(ErrBirthDate, "id_number_birth_date", "身份证号码第 7–14 位的出生日期晚于今天",
			name+": the birth date in characters 7-14 is in the future")
	}
	return t, nil
}

// NormalizeIDNumber returns the canonical form of a valid resident identity number (check
// character X upper-case), which is the form to store and compare.
func NormalizeIDNumber(s string) (string, error) {
	if _, err := ParseIDNumber(s); err != nil {
		return "", err
	}
	if s[17] == 'x' {
		return s[:17] + "X", nil
	}
	return s, nil
}

// IDCheckChar computes the ISO 7064 MOD 11-2 check character ('0'–'9' or 'X') for the first 17
// digits of a resident identity number.
func IDCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, invalid(ErrLength, "id_number_length", fmt.Sprintf("身份证号码的主体应为 17 位数字，现为 %d 个字符", len(first17)),
			fmt.Sprintf("the body of a resident identity number is 17 digits, got %d characters", len(first17)))
	}
	sum := 0
	for i := range 17 {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0, invalid(ErrCharset, "id_number_charset", fmt.Sprintf("身份证号码的主体应全为数字，第 %d 位不是数字", i+1),
				fmt.Sprintf("the body of a resident identity number must be digits, character %d is not", i+1))
		}
		sum += int(c-'0') * idWeights[i]
	}
	return idCheckChars[sum%11], nil
}

// MaskIDNumber hides the birth date and sequence of an identity number for display, keeping the
// region and the last four characters ("500227********1234"). Anything that is not shaped like an
// 18-character number is hidden completely, as 18 asterisks, since there is no telling which part
// of it is sensitive; the empty string stays empty.
func MaskIDNumber(s string) string {
	if s == "" {
		return ""
	}
	if len(s) != codeLen || !allDigits(s[:17]) || !(isDigit(s[17]) || s[17] == 'X' || s[17] == 'x') {
		return strings.Repeat("*", codeLen)
	}
	return s[:6] + "********" + s[14:17] + strings.ToUpper(s[17:])
}

// RegisterValidators adds the validator/v10 tags "uscc" (ValidUSCC) and "cn_id_number"
// (ParseIDNumber succeeds) for string fields.
func RegisterValidators(v *validator.Validate) error {
	if err := v.RegisterValidation("uscc", func(fl validator.FieldLevel) bool {
		s, ok := fieldString(fl)
		return ok && ValidUSCC(s)
	}); err != nil {
		return fmt.Errorf("register uscc validator: %w", err)
	}
	if err := v.RegisterValidation("cn_id_number", func(fl validator.FieldLevel) bool {
		s, ok := fieldString(fl)
		if !ok {
			return false
		}
		_, err := ParseIDNumber(s)
		return err == nil
	}); err != nil {
		return fmt.Errorf("register cn_id_number validator: %w", err)
	}
	return nil
}

// fieldString accepts string kinds only: a tag on a number or a struct is a programming error
// that should fail validation loudly rather than pass.
func fieldString(fl validator.FieldLevel) (string, bool) {
	f := fl.Field()
	if f.Kind() != reflect.String {
		return "", false
	}
	return f.String(), true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(s string) bool {
	for i := range len(s) {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// atoi parses a string already known to be ASCII digits.
func atoi(s string) int {
	n := 0
	for i := range len(s) {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
