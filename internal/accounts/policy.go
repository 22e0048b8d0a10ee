package accounts

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"talentd/internal/errs"
	"talentd/internal/vocab"
)

// Password length limits: long enough to resist guessing, bounded so hashing stays cheap.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 128
)

//go:embed common_passwords.txt
var commonPasswordList string

// commonPasswords is the embedded list as a set.
var commonPasswords = func() map[string]struct{} {
	set := map[string]struct{}{}
	for line := range strings.Lines(commonPasswordList) {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			set[line] = struct{}{}
		}
	}
	return set
}()

// keyboardRuns are the rows and the usual diagonal walks of a US keyboard (the layout Chinese
// offices use as well); a password that is a stretch of one of them, forwards or backwards, is a
// keyboard walk.
var keyboardRuns = []string{
	"`1234567890-=",
	"qwertyuiop[]\\",
	"asdfghjkl;'",
	"zxcvbnm,./",
	"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/-['=]",
	"qazwsxedcrfvtgbyhnujmikolp",
	"zaqxswcdevfrbgtnhymjukilop",
	"1q2w3e4r5t6y7u8i9o0p",
	"q1w2e3r4t5y6u7i8o9p0",
	"1a2s3d4f5g6h7j8k9l",
	"a1s2d3f4g5h6j7k8l9",
}

// weakness is why a password is refused: a stable code and the reason in Chinese and English,
// for the person choosing it. The zero value means the password is acceptable.
type weakness struct{ code, zh, en string }

// passwordProblem says what makes pw too weak for the account username (which may be empty); the
// zero weakness when it is acceptable.
func passwordProblem(pw, username string) weakness {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLen || n > MaxPasswordLen {
		return weakness{"password_length", fmt.Sprintf("长度应为 %d 至 %d 个字符", MinPasswordLen, MaxPasswordLen),
			fmt.Sprintf("must be %d to %d characters", MinPasswordLen, MaxPasswordLen)}
	}
	if strings.TrimSpace(pw) == "" {
		return weakness{"password_blank", "不能全是空格", "must not be only spaces"}
	}
	lower := strings.ToLower(pw)
	if username = strings.ToLower(strings.TrimSpace(username)); username != "" && strings.Contains(lower, username) {
		return weakness{"password_contains_username", "不能包含用户名", "must not contain the username"}
	}
	runes := []rune(lower)
	switch period := shortestPeriod(runes); {
	case period == 1:
		return weakness{"password_repeated", "不能由同一个字符重复组成", "must not be one character repeated"}
	case period <= 6 && period <= len(runes)/2:
		return weakness{"password_repeated", "不能由一小段字符重复组成", "must not be a short pattern repeated"}
	}
	if isSequence(runes) {
		return weakness{"password_sequence", "不能是连续的字母或数字", "must not be a simple sequence of letters or digits"}
	}
	if isKeyboardRun(lower) {
		return weakness{"password_keyboard_run", "不能是键盘上连续的一排或一串按键", "must not be a row or run of keys on the keyboard"}
	}
	if isCommon(lower) {
		return weakness{"password_common", "属于最常见的密码（或只是在其前后加了数字、符号），请换一个不易被猜到的密码",
			"is one of the most common passwords (perhaps with digits or symbols added); choose a less guessable one"}
	}
	return weakness{}
}

// checkPassword returns a field error on location (e.g. "body.password") when pw is too weak.
func checkPassword(pw, username, location string) error {
	w := passwordProblem(pw, username)
	if w.code == "" {
		return nil
	}
	name := strings.TrimPrefix(location, "body.")
	zh, _ := vocab.FieldLabel(name)
	return errs.FieldsWith(ErrWeakPassword.Code, ErrWeakPassword.Zh, ErrWeakPassword.Message,
		errs.Field(location, w.code, zh+"："+w.zh, w.en, nil))
}

// shortestPeriod is the length of the shortest unit that, repeated, spells r (a trailing partial
// repetition allowed); len(r) when there is none.
func shortestPeriod(r []rune) int {
	for p := 1; p < len(r); p++ {
		if slices.Equal(r[p:], r[:len(r)-p]) {
			return p
		}
	}
	return len(r)
}

// isSequence reports whether r steps by one throughout, up or down: abcdefghij, 9876543210, and
// the digits wrapping round (7890123456).
func isSequence(r []rune) bool {
	for _, step := range []int{1, -1} {
		ok := true
		for i := 1; i < len(r) && ok; i++ {
			d := int(r[i] - r[i-1])
			wraps := isASCIIDigit(r[i]) && isASCIIDigit(r[i-1]) && d == -9*step
			ok = d == step || wraps
		}
		if ok {
			return true
		}
	}
	return false
}

func isASCIIDigit(r rune) bool { return '0' <= r && r <= '9' }

func isKeyboardRun(lower string) bool {
	for _, run := range keyboardRuns {
		if strings.Contains(run, lower) || strings.Contains(reverse(run), lower) {
			return true
		}
	}
	return false
}

func reverse(s string) string {
	r := []rune(s)
	slices.Reverse(r)
	return string(r)
}

// isCommon reports whether lower, or lower without the digits and symbols added at either end, is
// on the list.
func isCommon(lower string) bool {
	if _, ok := commonPasswords[lower]; ok {
		return true
	}
	core := strings.TrimFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) })
	_, ok := commonPasswords[core]
	return core != "" && ok
}
