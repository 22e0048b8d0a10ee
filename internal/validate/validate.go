// Package validate checks domain rules on service inputs with validator/v10 — checksums of credit
// codes and identity numbers, cross-field rules — and reports violations as one Invalid error with
// a detail per field, located by the JSON name the client sent.
package validate

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"

	"talentd/internal/errs"
	"talentd/internal/govid"
	"talentd/internal/vocab"
)

// Validator checks structs tagged with `validate:"..."`.
type Validator struct {
	v *validator.Validate
}

// New returns a Validator with talentd's custom tags (uscc, cn_id_number, ...) registered.
func New() *Validator {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		if name == "" {
			return f.Name
		}
		return name
	})
	if err := govid.RegisterValidators(v); err != nil {
		panic(err)
	}
	must(v.RegisterValidation("cn_mobile", func(fl validator.FieldLevel) bool {
		return mobilePattern.MatchString(fl.Field().String())
	}))
	must(v.RegisterValidation("cn_phone", func(fl validator.FieldLevel) bool {
		s := fl.Field().String()
		return mobilePattern.MatchString(s) || landlinePattern.MatchString(s)
	}))
	return &Validator{v: v}
}

// Mainland mobile numbers (11 digits, 13x–19x) and landlines with an optional area code and
// extension, e.g. 023-41412345 or 02341412345-8001.
var (
	mobilePattern   = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	landlinePattern = regexp.MustCompile(`^(0[1-9][0-9]{1,2}-?)?[2-9][0-9]{6,7}(-[0-9]{1,6})?$`)
)

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// Struct validates s; location prefixes each field's path (e.g. "body"). Every string in s must
// also be text the database can store: no NUL character, valid UTF-8 (PostgreSQL refuses both,
// and inside a batch one such value fails every row beside it). Each field's message names the
// field by its label (internal/vocab) in Chinese and English, under a stable code.
func (val *Validator) Struct(s any, location string) error {
	root := reflect.TypeOf(s)
	if fields := storableText(reflect.ValueOf(s), location, nil); len(fields) > 0 {
		return errs.Fields(fields...)
	}
	err := val.v.Struct(s)
	if err == nil {
		return nil
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return fmt.Errorf("validate: %w", err)
	}
	fields := make([]errs.FieldError, 0, len(ves))
	for _, fe := range ves {
		path := fe.Namespace()
		if _, rest, ok := strings.Cut(path, "."); ok {
			path = rest // drop the struct's own name
		}
		loc := location + "." + path
		zhLabel, enLabel := vocab.LabelOf(ownerOf(root, fe.StructNamespace()), loc)
		code, zh, en := message(fe)
		if !strings.HasPrefix(code, "uscc_") && !strings.HasPrefix(code, "id_number_") {
			zh, en = zhLabel+"："+zh, enLabel+": "+en // the identifiers' messages name them already
		}
		fields = append(fields, errs.Field(loc, code, zh, en, fe.Value()))
	}
	return errs.Fields(fields...)
}

// ownerOf names the struct type that declares the field at structNS ("TalentInput.Honours[0].Code"
// → "Honour"), for field labels that differ by object; "" when the path cannot be followed.
func ownerOf(root reflect.Type, structNS string) string {
	parts := strings.Split(structNS, ".")
	t := root
	for _, part := range parts[1 : len(parts)-1] {
		t = elem(t)
		if t.Kind() != reflect.Struct {
			return ""
		}
		name, _, _ := strings.Cut(part, "[")
		f, ok := t.FieldByName(name)
		if !ok {
			return ""
		}
		t = f.Type
	}
	return elem(t).Name()
}

// elem is the type behind pointers, slices, arrays and maps.
func elem(t reflect.Type) reflect.Type {
	for {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			t = t.Elem()
		default:
			return t
		}
	}
}

// govidReason is the code and messages of an identifier's rejection.
func govidReason(err error) (code, zh, en string) {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Code, e.Zh, e.Message
	}
	return "invalid", "格式不正确", "not valid"
}

// message explains a failed tag in words a clerk can act on: a code, and the problem in Chinese
// and English without the field's name (the caller puts its label in front).
func message(fe validator.FieldError) (code, zh, en string) {
	switch fe.Tag() {
	case "uscc":
		return govidReason(govid.CheckUSCC(fmt.Sprint(fe.Value())))
	case "cn_id_number":
		_, err := govid.ParseIDNumber(fmt.Sprint(fe.Value()))
		return govidReason(err)
	case "required":
		return "required", "必须填写", "required"
	case "email":
		return "email", "不是有效的电子邮箱地址", "not a valid email address"
	case "cn_mobile":
		return "mobile", "不是有效的手机号码（应为 1 开头的 11 位数字）", "not a mainland mobile number (11 digits starting with 1)"
	case "cn_phone":
		return "phone", "不是有效的电话号码：请填写手机号码，或固定电话（可带区号和“-”，如 023-41412345）",
			"not a phone number: digits, optionally with an area code and '-', or a mobile number"
	case "max", "min":
		return bound(fe)
	case "oneof":
		codes := strings.Fields(fe.Param())
		labels := codes
		if l, ok := vocab.ForCodes(codes); ok {
			labels = make([]string, len(codes))
			for i, c := range codes {
				labels[i] = l.Label(c, "zh")
			}
		}
		return "enum", "应为以下之一：" + strings.Join(labels, "、"), "must be one of: " + strings.Join(codes, ", ")
	}
	return fe.Tag(), "不符合规则 " + fe.Tag(), "fails rule " + fe.Tag()
}

// bound explains a failed min or max: of a text's length, a list's size or a number's value.
func bound(fe validator.FieldError) (code, zh, en string) {
	p, isMax := fe.Param(), fe.Tag() == "max"
	switch fe.Kind() {
	case reflect.String:
		if isMax {
			return "max_length", "不能超过 " + p + " 个字符", "too long (at most " + p + " characters)"
		}
		return "min_length", "不能少于 " + p + " 个字符", "too short (at least " + p + " characters)"
	case reflect.Slice, reflect.Array, reflect.Map:
		if isMax {
			return "max_items", "最多只能填写 " + p + " 项", "too many (at most " + p + ")"
		}
		return "min_items", "至少应填写 " + p + " 项", "too few (at least " + p + ")"
	}
	if isMax {
		return "maximum", "不能大于 " + p, "too large (at most " + p + ")"
	}
	return "minimum", "不能小于 " + p, "too small (at least " + p + ")"
}

// TextProblem says what makes s unstorable as text — a NUL character or invalid UTF-8 — as a
// code and a reason in Chinese and English; ok is false when s is fine.
func TextProblem(s string) (code, zh, en string, ok bool) {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return "nul_character", "不能包含空字符（U+0000）", "must not contain the NUL character (U+0000)", true
	case !utf8.ValidString(s):
		return "invalid_utf8", "不是有效的 UTF-8 文本", "is not valid UTF-8 text", true
	}
	return "", "", "", false
}

// storableText lists the strings reachable from v (through structs, pointers, slices and maps)
// that contain a NUL character or invalid UTF-8, located by their JSON names.
func storableText(v reflect.Value, path string, out []errs.FieldError) []errs.FieldError {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			out = storableText(v.Elem(), path, out)
		}
	case reflect.String:
		if code, zh, en, bad := TextProblem(v.String()); bad {
			zhLabel, enLabel := vocab.LabelOf("", path)
			out = append(out, errs.Field(path, code, zhLabel+"："+zh, enLabel+": "+en, nil))
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			out = storableText(v.Field(i), path+"."+name, out)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			out = storableText(v.Index(i), path+"["+strconv.Itoa(i)+"]", out)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			out = storableText(iter.Value(), path+"."+fmt.Sprint(iter.Key().Interface()), out)
		}
	}
	return out
}
