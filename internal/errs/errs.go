// Package errs is talentd's small vocabulary of error kinds. Slices return *Error values (or wrap
// them with %w); internal/httpapi maps each kind to one HTTP status in a single table, so no handler
// chooses a status code by itself.
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

// The kinds, each mapped to one HTTP status by internal/httpapi.
const (
	Internal           Kind = iota // a bug or an outage: logged in full, reported as a bare 500
	Invalid                        // the request breaks a domain rule (422)
	BadRequest                     // the request is malformed (400)
	Unauthenticated                // no or bad credentials (401)
	Forbidden                      // the caller's role may not do this (403)
	NotFound                       // no such object, or not visible to the caller (404)
	Conflict                       // the object exists already or is in the wrong state (409)
	PreconditionFailed             // If-Match did not match the current version (412)
	TooManyRequests                // throttled (429)
	Unavailable                    // a dependency is down (503)
)

var kindNames = [...]string{"internal", "invalid", "bad_request", "unauthenticated", "forbidden",
	"not_found", "conflict", "precondition_failed", "too_many_requests", "unavailable"}

// String names the kind in logs.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// FieldError says what is wrong with one input field; Location is a JSON-pointer-like path such as
// "body.uscc". Code is stable for programs; Zh and Message say it to people, in Chinese and
// English.
type FieldError struct {
	Location string
	Code     string
	Zh       string
	Message  string
	Value    any
}

// Error is a classified error whose messages are safe to show to the client. Code is the stable
// name programs branch on ("card_not_found"); Zh is for the Chinese clerks who are talentd's
// users, Message the same in English.
type Error struct {
	Kind    Kind
	Code    string
	Zh      string
	Message string
	Fields  []FieldError
	// RetryAfterSeconds, when positive, is sent as Retry-After (with TooManyRequests).
	RetryAfterSeconds int
	// Err is the underlying cause; it is logged but never sent to the client.
	Err error
}

// Error renders the kind, code, message and cause for logs.
func (e *Error) Error() string {
	head := e.Kind.String()
	if e.Code != "" {
		head += " " + e.Code
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", head, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", head, e.Message)
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, target) true when target is an *Error of the same kind and code (or,
// for an error without a code, the same message), so sentinel values such as
// talent.ErrEnterpriseNotFound can be compared after wrapping.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok || t.Kind != e.Kind {
		return false
	}
	if t.Code != "" || e.Code != "" {
		return t.Code == e.Code
	}
	return t.Message == e.Message
}

// In returns the message in the language lang ("zh" or "en"); Chinese falls back to English
// where a message has no Chinese yet.
func (e *Error) In(lang string) string { return pick(lang, e.Zh, e.Message) }

// In returns the field's message in lang, as Error.In does.
func (f FieldError) In(lang string) string { return pick(lang, f.Zh, f.Message) }

func pick(lang, zh, en string) string {
	if lang == "en" || zh == "" {
		return en
	}
	return zh
}

// With returns a copy of e carrying cause, for logs: the sentinel stays comparable with errors.Is.
func (e *Error) With(cause error) *Error {
	c := *e
	c.Err = cause
	return &c
}

// RetryAfter returns a copy of e that tells the client to wait seconds before trying again.
func (e *Error) RetryAfter(seconds int) *Error {
	c := *e
	c.RetryAfterSeconds = seconds
	return &c
}

// New returns an error of the given kind with a stable code and client-safe messages in Chinese and
// English.
func New(kind Kind, code, zh, en string) *Error {
	return &Error{Kind: kind, Code: code, Zh: zh, Message: en}
}

// Newf is New with the same arguments formatted into both messages.
func Newf(kind Kind, code, zhFormat, enFormat string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Zh: fmt.Sprintf(zhFormat, args...), Message: fmt.Sprintf(enFormat, args...)}
}

// Wrap is New with a cause kept for the log.
func Wrap(kind Kind, code, zh, en string, cause error) *Error {
	return &Error{Kind: kind, Code: code, Zh: zh, Message: en, Err: cause}
}

// Fields returns an Invalid error that lists what is wrong with each field.
func Fields(fields ...FieldError) *Error {
	return &Error{Kind: Invalid, Code: "invalid_fields", Zh: "填写的内容有误，请按各项提示修改",
		Message: "some fields are not valid; see each field's message", Fields: fields}
}

// FieldsWith is Fields under its own code and messages, for a sentinel that errors.Is must tell
// apart from other field errors (every Fields error shares the code "invalid_fields").
func FieldsWith(code, zh, en string, fields ...FieldError) *Error {
	return &Error{Kind: Invalid, Code: code, Zh: zh, Message: en, Fields: fields}
}

// Field returns a FieldError with messages in both languages.
func Field(location, code, zh, en string, value any) FieldError {
	return FieldError{Location: location, Code: code, Zh: zh, Message: en, Value: value}
}

// KindOf reports the kind of the first *Error in err's chain, or Internal when there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err carries the given kind.
func Is(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }
