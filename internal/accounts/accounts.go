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
	ErrBadCredentials  = errs.New(errs.Unauthenticated, "bad_credentials", "用户名或密码不正确", "wrong username or password")
	ErrAccountNotFound = errs.New(errs.NotFound, "account_not_found", "未找到该账号", "account not found")
	ErrUsernameTaken   = errs.New(errs.Conflict, "username_taken", "该用户名已被使用，请换一个用户名", "an account with this username exists already")
	ErrAPIKeyNotFound  = errs.New(errs.NotFound, "api_key_not_found", "未找到该接口密钥", "API key not found")
	ErrEnterpriseScope = errs.FieldsWith("enterprise_scope", "所属企业与角色不符", "enterprise does not fit the role", errs.Field("body.enterprise_id", "enterprise_scope",
		"所属企业：企业人事账号必须指定所属企业，其他角色不能指定", "required for enterprise_hr and not allowed for any other role", nil))
	ErrUnknownEnterpise = errs.FieldsWith("enterprise_not_found", "没有这个企业", "no such enterprise", errs.Field("body.enterprise_id", "enterprise_not_found",
		"所属企业：没有这个编号的企业", "no enterprise with this id", nil))
	ErrSelfDisable = errs.New(errs.Conflict, "self_disable", "不能停用自己的账号，也不能更改自己的角色", "you cannot disable or demote your own account")
)

// ErrTooManyAttempts is the kind and message of a throttled password check; the error returned
// carries a Retry-After.
var ErrTooManyAttempts = errs.New(errs.TooManyRequests, "too_many_attempts",
	"登录失败次数过多，请稍后再试，或请系统管理员解除锁定",
	"too many failed sign-in attempts; try again later, or ask an administrator to unlock the account")

// ErrWrongCurrentPassword is returned when a password change names the wrong current password.
var ErrWrongCurrentPassword = errs.FieldsWith("wrong_password", "当前密码不正确", "current password is wrong", errs.Field("body.current_password", "wrong_password",
	"当前密码：与账号的密码不符", "does not match", nil))

// ErrHashingBusy is returned when every hashing slot stayed taken for the whole wait: the request
// is refused (503 with Retry-After) rather than queued without end behind a flood of logins.
var ErrHashingBusy = errs.New(errs.Unavailable, "hashing_busy", "系统正忙于核验密码，请稍后再试",
	"the server is busy checking passwords; try again in a moment")

// ErrWeakPassword is the error every policy refusal matches (errors.Is, by its code); its field
// names the password field and says what is wrong.
var ErrWeakPassword = errs.FieldsWith("weak_password", "密码不符合安全要求，请按提示修改", "password does not meet the policy",
	errs.Field("body.password", "password_length", fmt.Sprintf("密码：长度应为 %d 至 %d 个字符", MinPasswordLen, MaxPasswordLen),
		fmt.Sprintf("must be %d to %d characters", MinPasswordLen, MaxPasswordLen), nil))
