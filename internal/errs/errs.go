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
// "body.uscc".
type FieldError struct {
	Location string
	Message  string
	Value    any
}

// Error is a classified error whose Message is safe to show to the client.
type Error struct {
	Kind    Kind
	Message string
	Fields  []FieldError
	// RetryAfterSeconds, when positive, is sent as Retry-After (with TooManyRequests).
	RetryAfterSeconds int
	// Err is the underlying cause; it is logged but never sent to the client.
	Err error
}

// Error renders the kind, message and cause for logs.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Kind, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Kind, e.Message)
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, target) true when target is an *Error of the same kind and message, so
// sentinel values such as talent.ErrEnterpriseNotFound can be compared after wrapping.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Message == e.Message
}

// New returns an error of the given kind with a client-safe message.
func New(kind Kind, message string) *Error { return &Error{Kind: kind, Message: message} }

// Newf is New with formatting.
func Newf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Wrap classifies cause as kind with a client-safe message; the cause stays available to logs.
func Wrap(kind Kind, message string, cause error) *Error {
	return &Error{Kind: kind, Message: message, Err: cause}
}

// Fields returns an Invalid error that lists what is wrong with each field.
func Fields(message string, fields ...FieldError) *Error {
	return &Error{Kind: Invalid, Message: message, Fields: fields}
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
