package accounts

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/auth"
	"talentd/internal/postgres"
)

const accountColumns = `id, username, display_name, role, enterprise_id, active, version, created_at, updated_at`

// translate adds the account-specific meaning of constraint violations.
func translate(err error, what string) error {
	switch postgres.Constraint(err) {
	case "accounts_username_key":
		return ErrUsernameTaken
	case "accounts_enterprise_scope":
		return ErrEnterpriseScope
	case "accounts_enterprise_id_fkey":
		return ErrUnknownEnterpise
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrAccountNotFound
	}
	return postgres.Translate(err, what)
}

const insertAccount = `
INSERT INTO accounts (username, display_name, role, enterprise_id, password_hash)
VALUES ($1, $2, $3, $4, $5)
RETURNING ` + accountColumns

func insertAccountRow(ctx context.Context, q sqlx.ExtContext, a NewAccount, hash string) (auth.Account, error) {
	var out auth.Account
	err := sqlx.GetContext(ctx, q, &out, insertAccount, a.Username, a.DisplayName, string(a.Role), a.EnterpriseID, hash)
	return out, translate(err, "create account")
}

const selectAccount = `SELECT ` + accountColumns + ` FROM accounts WHERE id = $1`

func getAccount(ctx context.Context, q sqlx.QueryerContext, id int64) (auth.Account, error) {
	var out auth.Account
	err := sqlx.GetContext(ctx, q, &out, selectAccount, id)
	return out, translate(err, "get account")
}

const selectAccountForUpdate = selectAccount + ` FOR UPDATE`

func getAccountForUpdate(ctx context.Context, q sqlx.QueryerContext, id int64) (auth.Account, error) {
	var out auth.Account
	err := sqlx.GetContext(ctx, q, &out, selectAccountForUpdate, id)
	return out, translate(err, "get account")
}

// loginRow is what a login needs to decide; kept apart from Account so the hash never travels further.
type loginRow struct {
	ID           int64  `db:"id"`
	PasswordHash string `db:"password_hash"`
	Active       bool   `db:"active"`
}

const selectLogin = `SELECT id, password_hash, active FROM accounts WHERE username = $1`

func getLogin(ctx context.Context, q sqlx.QueryerContext, username string) (loginRow, error) {
	var out loginRow
	err := sqlx.GetContext(ctx, q, &out, selectLogin, username)
	return out, translate(err, "login")
}

const selectPasswordHash = `SELECT password_hash FROM accounts WHERE id = $1`

func getPasswordHash(ctx context.Context, q sqlx.QueryerContext, id int64) (string, error) {
	var out string
	err := sqlx.GetContext(ctx, q, &out, selectPasswordHash, id)
	return out, translate(err, "get account")
}

// Filter narrows an account listing.
type Filter struct {
	Role         auth.Role
	EnterpriseID int64
	Active       *bool
	AfterID      int64
	Limit        int
}

const selectAccounts = `
SELECT ` + accountColumns + ` FROM accounts
WHERE ($1 = '' OR role = $1)
  AND (CAST($2 AS bigint) = 0 OR enterprise_id = CAST($2 AS bigint))
  AND (CAST($3 AS boolean) IS NULL OR active = $3)
  AND id > $4
ORDER BY id
LIMIT $5`

func listAccounts(ctx context.Context, q sqlx.QueryerContext, f Filter) ([]auth.Account, error) {
	var out []auth.Account
	err := sqlx.SelectContext(ctx, q, &out, selectAccounts, string(f.Role), f.EnterpriseID, f.Active, f.AfterID, f.Limit)
	return out, translate(err, "list accounts")
}

const updateAccount = `
UPDATE accounts SET display_name = $2, role = $3, enterprise_id = $4, active = $5,
       version = version + 1, updated_at = now()
WHERE id = $1
RETURNING ` + accountColumns

func updateAccountRow(ctx context.Context, q sqlx.ExtContext, id int64, u AccountUpdate) (auth.Account, error) {
	var out auth.Account
	err := sqlx.GetContext(ctx, q, &out, updateAccount, id, u.DisplayName, string(u.Role), u.EnterpriseID, u.Active)
	return out, translate(err, "update account")
}

const updatePassword = `
UPDATE accounts SET password_hash = $2, version = version + 1, updated_at = now() WHERE id = $1`

func setPasswordHash(ctx context.Context, q sqlx.ExtContext, id int64, hash string) error {
	res, err := q.ExecContext(ctx, updatePassword, id, hash)
	if err != nil {
		return translate(err, "set password")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrAccountNotFound
	}
	return nil
}

const insertToken = `
INSERT INTO auth_tokens (account_id, kind, name, token_hash, expires_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, account_id, name, created_at, expires_at, revoked_at, last_used_at`

func insertTokenRow(ctx context.Context, q sqlx.ExtContext, accountID int64, kind, name string, hash []byte, expires *time.Time) (auth.APIKey, error) {
	var out auth.APIKey
	err := sqlx.GetContext(ctx, q, &out, insertToken, accountID, kind, name, hash, expires)
	return out, translate(err, "create token")
}

// principalRow is a live token joined with its active account.
type principalRow struct {
	TokenID      int64         `db:"token_id"`
	AccountID    int64         `db:"account_id"`
	Username     string        `db:"username"`
	Role         string        `db:"role"`
	EnterpriseID sql.NullInt64 `db:"enterprise_id"`
	ExpiresAt    *time.Time    `db:"expires_at"`
	Stale        bool          `db:"stale"`
}

// The expiry and revocation checks live in the query so that a revoked token or a disabled
// account stops working on the very next request. Expiry is judged by the service's clock ($2),
// the clock that set it, so that the database and the principal cache agree on when a session
// ends.
const selectPrincipal = `
SELECT t.id AS token_id, a.id AS account_id, a.username, a.role, a.enterprise_id, t.expires_at,
       (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute') AS stale
FROM auth_tokens t JOIN accounts a ON a.id = t.account_id
WHERE t.token_hash = $1 AND t.revoked_at IS NULL
  AND (t.expires_at IS NULL OR t.expires_at > $2) AND a.active
  AND (t.kind <> 'session' OR $3::bigint = 0
       OR coalesce(t.last_used_at, t.created_at) > $2 - make_interval(secs => $3::bigint))`

// getPrincipal reads the principal of a live token. A session unused for longer than idle (0: no
// limit) has lapsed; last_used_at is kept to the minute (touchToken), which is the precision of
// the idle limit.
func getPrincipal(ctx context.Context, q sqlx.QueryerContext, hash []byte, now time.Time, idle time.Duration) (principalRow, error) {
	var out principalRow
	err := sqlx.GetContext(ctx, q, &out, selectPrincipal, hash, now, int64(idle/time.Second))
	return out, translate(err, "authenticate")
}

// touchToken records use at minute granularity, so authentication does not write on every request.
const touchToken = `UPDATE auth_tokens SET last_used_at = now() WHERE id = $1`

func touchTokenRow(ctx context.Context, q sqlx.ExtContext, id int64) error {
	_, err := q.ExecContext(ctx, touchToken, id)
	return translate(err, "touch token")
}

const revokeToken = `UPDATE auth_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`

func revokeTokenRow(ctx context.Context, q sqlx.ExtContext, id int64) error {
	_, err := q.ExecContext(ctx, revokeToken, id)
	return translate(err, "revoke token")
}

const revokeAccountTokens = `
UPDATE auth_tokens SET revoked_at = now()
WHERE account_id = $1 AND revoked_at IS NULL AND ($2 = '' OR kind = $2)`

// revokeAllTokens revokes the account's tokens of one kind, or of every kind when kind is "".
func revokeAllTokens(ctx context.Context, q sqlx.ExtContext, accountID int64, kind string) error {
	_, err := q.ExecContext(ctx, revokeAccountTokens, accountID, kind)
	return translate(err, "revoke tokens")
}

const revokeOtherSessionRows = `
UPDATE auth_tokens SET revoked_at = now()
WHERE account_id = $1 AND kind = 'session' AND revoked_at IS NULL AND id <> $2`

// revokeOtherSessions ends every session of the account but the one with id keep.
func revokeOtherSessions(ctx context.Context, q sqlx.ExtContext, accountID, keep int64) error {
	_, err := q.ExecContext(ctx, revokeOtherSessionRows, accountID, keep)
	return translate(err, "revoke sessions")
}

const selectAPIKeys = `
SELECT id, account_id, name, created_at, expires_at, revoked_at, last_used_at
FROM auth_tokens WHERE account_id = $1 AND kind = 'api_key' ORDER BY id`

func listAPIKeys(ctx context.Context, q sqlx.QueryerContext, accountID int64) ([]auth.APIKey, error) {
	var out []auth.APIKey
	err := sqlx.SelectContext(ctx, q, &out, selectAPIKeys, accountID)
	return out, translate(err, "list API keys")
}

const selectAPIKey = `
SELECT id, account_id, name, created_at, expires_at, revoked_at, last_used_at
FROM auth_tokens WHERE id = $1 AND account_id = $2 AND kind = 'api_key'`

func getAPIKey(ctx context.Context, q sqlx.QueryerContext, accountID, id int64) (auth.APIKey, error) {
	var out auth.APIKey
	err := sqlx.GetContext(ctx, q, &out, selectAPIKey, id, accountID)
	if errors.Is(err, sql.ErrNoRows) {
		return out, ErrAPIKeyNotFound
	}
	return out, translate(err, "get API key")
}
