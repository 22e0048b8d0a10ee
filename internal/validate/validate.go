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
// and inside a batch one such value fails every row beside it).
func (val *Validator) Struct(s any, location string) error {
	if fields := storableText(reflect.ValueOf(s), location, nil); len(fields) > 0 {
		return errs.UntranslatedFields("validation failed", fields...)
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
		fields = append(fields, errs.FieldError{Location: location + "." + path, Message: message(fe), Value: fe.Value()})
	}
	return errs.UntranslatedFields("validation failed", fields...)
}

// reason is the client-safe message of a checksum error, or fallback.
func reason(err error, fallback string) string {
	var e *errs.Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return fallback
}

// message explains a failed tag in words a clerk can act on.
func message(fe validator.FieldError) string {
	switch fe.Tag() {
	case "uscc":
		return reason(govid.CheckUSCC(fmt.Sprint(fe.Value())), "not a valid unified social credit code")
	case "cn_id_number":
		_, err := govid.ParseIDNumber(fmt.Sprint(fe.Value()))
		return reason(err, "not a valid resident identity number")
	case "required":
		return "required"
	case "cn_mobile":
		return "not a mainland mobile number (11 digits starting with 1)"
	case "cn_phone":
		return "not a phone number: digits, optionally with an area code and '-', or a mobile number"
	case "max":
		return "too long (at most " + fe.Param() + ")"
	case "min":
		return "too short (at least " + fe.Param() + ")"
	case "oneof":
		return "must be one of: " + fe.Param()
	}
	return "fails rule " + fe.Tag()
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
		switch s := v.String(); {
		case strings.IndexByte(s, 0) >= 0:
			out = append(out, errs.FieldError{Location: path, Message: "must not contain the NUL character (U+0000)"})
		case !utf8.ValidString(s):
			out = append(out, errs.FieldError{Location: path, Message: "is not valid UTF-8 text"})
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
