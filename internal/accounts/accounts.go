// Package accounts manages who can sign in to talentd: accounts with their roles and enterprise
// binding, password login with throttling, login sessions and API keys (one opaque-token scheme,
// stored only as keyed hashes), and the bearer-token authentication of every request.
package accounts

import (
	"fmt"
	"time"

	"talentd/internal/auth"
	"talentd/internal/errs"
)

// NewAccount is what an admin (or the bootstrap command) gives to create an account.
type NewAccount struct {
	Username     string
	DisplayName  string
	Password     string
	Role         auth.Role
	EnterpriseID *int64
}

// AccountUpdate replaces an account's editable fields.
type AccountUpdate struct {
	DisplayName  string
	Role         auth.Role
	EnterpriseID *int64
	Active       bool
}

// Session is a login's bearer token and when it expires.
type Session struct {
	Token     string
	ExpiresAt time.Time
}

// Errors the operations return.
var (
	ErrBadCredentials   = errs.Untranslated(errs.Unauthenticated, "wrong username or password")
	ErrAccountNotFound  = errs.Untranslated(errs.NotFound, "account not found")
	ErrUsernameTaken    = errs.Untranslated(errs.Conflict, "an account with this username exists already")
	ErrAPIKeyNotFound   = errs.Untranslated(errs.NotFound, "API key not found")
	ErrEnterpriseScope  = errs.UntranslatedFields("enterprise does not fit the role", errs.FieldError{Location: "body.enterprise_id", Message: "required for enterprise_hr and not allowed for any other role"})
	ErrUnknownEnterpise = errs.UntranslatedFields("no such enterprise", errs.FieldError{Location: "body.enterprise_id", Message: "no enterprise with this id"})
	ErrSelfDisable      = errs.Untranslated(errs.Conflict, "you cannot disable or demote your own account")
)

// ErrTooManyAttempts is the kind and message of a throttled password check; the error returned
// carries a Retry-After.
var ErrTooManyAttempts = errs.Untranslated(errs.TooManyRequests,
	"too many failed sign-in attempts; try again later, or ask an administrator to unlock the account")

// ErrWrongCurrentPassword is returned when a password change names the wrong current password.
var ErrWrongCurrentPassword = errs.UntranslatedFields("current password is wrong", errs.FieldError{Location: "body.current_password", Message: "does not match"})

// ErrHashingBusy is returned when every hashing slot stayed taken for the whole wait: the request
// is refused (503 with Retry-After) rather than queued without end behind a flood of logins.
var ErrHashingBusy = errs.Untranslated(errs.Unavailable, "the server is busy checking passwords; try again in a moment")

// ErrWeakPassword is the error every policy refusal matches (errors.Is); its field names the
// password field and says what is wrong.
var ErrWeakPassword = errs.UntranslatedFields("password does not meet the policy", errs.FieldError{
	Location: "body.password", Message: fmt.Sprintf("must be %d to %d characters", MinPasswordLen, MaxPasswordLen)})
