package accounts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/etag"
	"talentd/internal/page"
	"talentd/internal/postgres"
	"talentd/internal/reqctx"
)

// Options configure a Service.
type Options struct {
	// Pepper keys the token hashes; it must stay the same across restarts or every token dies.
	Pepper []byte
	// SessionTTL is how long a login session lasts (default 12 hours: one working day).
	SessionTTL time.Duration
	// IdleTimeout ends a login session that made no request for this long (0: only SessionTTL
	// ends it), so a signed-in browser left at an unattended counter does not stay signed in. API
	// keys have no idle limit.
	IdleTimeout time.Duration
	// Throttle tunes the throttling of failed password checks (see throttle.go).
	Throttle ThrottleOptions
	// HashConcurrency caps how many Argon2 password hashes run at once (default: the number of
	// CPUs, at most 4), each holding 19 MiB; HashWait is how long a request waits for a slot before
	// it is refused with 503 and Retry-After (default 3 s).
	HashConcurrency int
	HashWait        time.Duration
	// PrincipalTTL is how long a token's principal is remembered in memory (default 5 s; negative
	// turns the cache off), never past the token's own expiry. Changes made through this process
	// take effect at once regardless.
	PrincipalTTL time.Duration
	Logger       *slog.Logger
	// Now is the service's clock: it sets and judges session expiry.
	Now func() time.Time
}

// Service is the accounts and authentication service.
type Service struct {
	db         *sqlx.DB
	pepper     []byte
	sessionTTL time.Duration
	idle       time.Duration
	throttle   *throttle
	hashSlots  *hashLimiter
	log        *slog.Logger
	now        func() time.Time
	cache      *principalCache

	// Test hooks: hashes counts password hashes run; onHash runs inside a hashing slot;
	// afterPrincipalRead runs between reading a principal from the database and caching it.
	hashes             atomic.Int64
	onHash             func()
	afterPrincipalRead func()
}

// NewService returns a Service over db.
func NewService(db *sqlx.DB, o Options) *Service {
	if len(o.Pepper) == 0 {
		panic("accounts: empty token pepper")
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 12 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.PrincipalTTL == 0 {
		o.PrincipalTTL = 5 * time.Second
	}
	return &Service{db: db, pepper: o.Pepper, sessionTTL: o.SessionTTL, idle: o.IdleTimeout, log: o.Logger, now: o.Now,
		cache:     newPrincipalCache(o.PrincipalTTL, o.Now),
		throttle:  newThrottle(o.Throttle, o.Now),
		hashSlots: newHashLimiter(o.HashConcurrency, o.HashWait)}
}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// tooManyAttempts is ErrTooManyAttempts telling the client how long to wait.
func tooManyAttempts(wait time.Duration) error {
	return ErrTooManyAttempts.RetryAfter(max(1, int(math.Ceil(wait.Seconds()))))
}

// Login checks a username and password and opens a session. Failed attempts are throttled per
// address and username, per address and per username (see throttle); a throttled attempt is
// refused with TooManyRequests before any password check, and one that finds no free hashing slot
// in time with Unavailable.
func (s *Service) Login(ctx context.Context, username, password, clientAddr string) (Session, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	attempt, wait := s.throttle.begin(username, clientAddr)
	if attempt == nil {
		s.log.DebugContext(ctx, "login throttled", "username", username, "client", clientAddr)
		return Session{}, tooManyAttempts(wait)
	}
	row, err := getLogin(ctx, s.db, username)
	if err != nil && !errors.Is(err, ErrAccountNotFound) {
		attempt.abandon()
		return Session{}, err
	}
	hash := row.PasswordHash
	if err != nil {
		hash = dummyHash
	}
	match, verr := s.verifyPassword(ctx, hash, password)
	if verr != nil {
		attempt.abandon()
		return Session{}, verr
	}
	if !match || err != nil || !row.Active {
		attempt.failed()
		s.log.InfoContext(ctx, "login failed", "username", username, "client", clientAddr)
		return Session{}, ErrBadCredentials
	}
	attempt.succeeded()
	token, err := newToken(sessionPrefix)
	if err != nil {
		return Session{}, err
	}
	expires := s.now().Add(s.sessionTTL).UTC().Truncate(time.Second)
	if _, err := insertTokenRow(ctx, s.db, row.ID, auth.KindSession, "login", hashToken(s.pepper, token), &expires); err != nil {
		return Session{}, err
	}
	return Session{Token: token, ExpiresAt: expires}, nil
}

// Logout revokes the session or API key the caller authenticated with.
func (s *Service) Logout(ctx context.Context) error {
	p, err := auth.MustPrincipal(ctx)
	if err != nil {
		return err
	}
	if err := revokeTokenRow(ctx, s.db, p.TokenID); err != nil {
		return err
	}
	s.cache.forgetToken(p.TokenID)
	return nil
}

// Authenticate resolves a bearer token to the principal it acts as.
func (s *Service) Authenticate(ctx context.Context, token string) (auth.Principal, error) {
	if !plausibleToken(token) {
		return auth.Principal{}, auth.ErrUnauthenticated
	}
	hash := hashToken(s.pepper, token)
	if p, ok := s.cache.get(hash); ok {
		return p, nil
	}
	gen := s.cache.generation()
	row, err := getPrincipal(ctx, s.db, hash, s.now(), s.idle)
	if errors.Is(err, ErrAccountNotFound) {
		return auth.Principal{}, auth.ErrUnauthenticated
	}
	if err != nil {
		return auth.Principal{}, err
	}
	if row.Stale {
		if err := touchTokenRow(ctx, s.db, row.TokenID); err != nil {
			s.log.WarnContext(ctx, "could not record token use", "err", err)
		}
	}
	if s.afterPrincipalRead != nil {
		s.afterPrincipalRead()
	}
	p := auth.Principal{AccountID: row.AccountID, Username: row.Username, Role: auth.Role(row.Role),
		EnterpriseID: row.EnterpriseID.Int64, TokenID: row.TokenID}
	s.cache.put(hash, p, row.ExpiresAt, gen)
	return p, nil
}

func validateAccountFields(username, displayName string, role auth.Role, enterpriseID *int64, checkUsername bool) error {
	var fields []errs.FieldError
	if checkUsername && !usernamePattern.MatchString(username) {
		fields = append(fields, errs.Field("body.username", "username_format",
			"用户名：应为 3 至 64 个字符，只能用小写字母、数字和“.”“_”“-”，并以字母或数字开头",
			"3 to 64 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or digit", username))
	}
	if n := len([]rune(strings.TrimSpace(displayName))); n < 1 || n > 100 {
		fields = append(fields, errs.Field("body.display_name", "length", "显示名称：应为 1 至 100 个字符", "1 to 100 characters", displayName))
	}
	if !role.Valid() {
		fields = append(fields, errs.Field("body.role", "enum", "角色：应为以下之一："+strings.Join(auth.RoleVocab.Labels(), "、"),
			"unknown role", role))
	} else if (role == auth.RoleEnterpriseHR) != (enterpriseID != nil) {
		fields = append(fields, ErrEnterpriseScope.Fields...)
	}
	if len(fields) > 0 {
		return errs.Fields(fields...)
	}
	return nil
}

// CreateAccount creates an account; the caller must be an admin (or the command line).
func (s *Service) CreateAccount(ctx context.Context, a NewAccount) (auth.Account, error) {
	a.Username = strings.ToLower(strings.TrimSpace(a.Username))
	a.DisplayName = strings.TrimSpace(a.DisplayName)
	if err := validateAccountFields(a.Username, a.DisplayName, a.Role, a.EnterpriseID, true); err != nil {
		return auth.Account{}, err
	}
	if err := checkPassword(a.Password, a.Username, "body.password"); err != nil {
		return auth.Account{}, err
	}
	hash, err := s.hashPassword(ctx, a.Password)
	if err != nil {
		return auth.Account{}, err
	}
	return s.createWithHash(ctx, a, hash)
}

func (s *Service) createWithHash(ctx context.Context, a NewAccount, hash string) (auth.Account, error) {
	var out auth.Account
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var err error
		if out, err = insertAccountRow(ctx, tx, a, hash); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "account.create", EntityType: "account",
			EntityID: strconv.FormatInt(out.ID, 10), After: out})
	})
	return out, err
}

// GetAccount returns one account.
func (s *Service) GetAccount(ctx context.Context, id int64) (auth.Account, error) {
	return getAccount(ctx, s.db, id)
}

// ListAccounts returns one page of accounts matching f.
func (s *Service) ListAccounts(ctx context.Context, f Filter, q page.Query) (page.Of[auth.Account], error) {
	after, err := q.After()
	if err != nil {
		return page.Of[auth.Account]{}, err
	}
	f.AfterID, f.Limit = after, q.Size()+1
	rows, err := listAccounts(ctx, s.db, f)
	if err != nil {
		return page.Of[auth.Account]{}, err
	}
	return page.Build(rows, q.Size(), func(a auth.Account) int64 { return a.ID }), nil
}

// UpdateAccount replaces an account's editable fields. ifVersion, when non-zero, must match the
// stored version (the ETag). Disabling an account or changing its role or enterprise revokes every
// token it holds, so the change takes effect at once.
func (s *Service) UpdateAccount(ctx context.Context, id int64, ifVersion int, u AccountUpdate) (auth.Account, error) {
	p, err := auth.MustPrincipal(ctx)
	if err != nil {
		return auth.Account{}, err
	}
	u.DisplayName = strings.TrimSpace(u.DisplayName)
	if err := validateAccountFields("", u.DisplayName, u.Role, u.EnterpriseID, false); err != nil {
		return auth.Account{}, err
	}
	if id == p.AccountID && (!u.Active || u.Role != p.Role) {
		return auth.Account{}, ErrSelfDisable
	}
	var out auth.Account
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := getAccountForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := etag.Check(ifVersion, before.Version); err != nil {
			return err
		}
		if out, err = updateAccountRow(ctx, tx, id, u); err != nil {
			return err
		}
		if !out.Active || out.Role != before.Role || !sameID(out.EnterpriseID, before.EnterpriseID) {
			if err := revokeAllTokens(ctx, tx, id, ""); err != nil {
				return err
			}
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "account.update", EntityType: "account",
			EntityID: strconv.FormatInt(id, 10), Before: before, After: out})
	})
	// After the commit, so that no lookup can cache the account as it was (see principalCache).
	s.cache.forgetAccount(id)
	return out, err
}

func sameID(a, b *int64) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

// SetPassword sets another account's password (an admin's reset), ends its login sessions and
// clears its login lock, so that its owner can sign in with the new password at once.
func (s *Service) SetPassword(ctx context.Context, id int64, password string) error {
	a, err := getAccount(ctx, s.db, id)
	if err != nil {
		return err
	}
	if err := checkPassword(password, a.Username, "body.password"); err != nil {
		return err
	}
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		return err
	}
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := setPasswordHash(ctx, tx, id, hash); err != nil {
			return err
		}
		if err := revokeAllTokens(ctx, tx, id, auth.KindSession); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "account.set_password", EntityType: "account",
			EntityID: strconv.FormatInt(id, 10)})
	})
	if err != nil {
		return err
	}
	s.cache.forgetAccount(id)
	s.throttle.unlock(a.Username)
	return nil
}

// ChangeOwnPassword changes the caller's password after checking the current one; every other
// session of the caller ends. The check is throttled like a login (a stolen session must not be a
// way to guess the password), keyed on the caller's username and the request's client address.
func (s *Service) ChangeOwnPassword(ctx context.Context, current, next string) error {
	p, err := auth.MustPrincipal(ctx)
	if err != nil {
		return err
	}
	// The new password is judged first: refusing it costs no hash and says nothing about current.
	if err := checkPassword(next, p.Username, "body.new_password"); err != nil {
		return err
	}
	attempt, wait := s.throttle.begin(p.Username, reqctx.ClientAddr(ctx))
	if attempt == nil {
		return tooManyAttempts(wait)
	}
	hash, err := getPasswordHash(ctx, s.db, p.AccountID)
	if err != nil {
		attempt.abandon()
		return err
	}
	match, err := s.verifyPassword(ctx, hash, current)
	if err != nil {
		attempt.abandon()
		return err
	}
	if !match {
		attempt.failed()
		return ErrWrongCurrentPassword
	}
	attempt.succeeded()
	newHash, err := s.hashPassword(ctx, next)
	if err != nil {
		return err
	}
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := setPasswordHash(ctx, tx, p.AccountID, newHash); err != nil {
			return err
		}
		if err := revokeOtherSessions(ctx, tx, p.AccountID, p.TokenID); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "account.change_password", EntityType: "account",
			EntityID: strconv.FormatInt(p.AccountID, 10)})
	})
	if err != nil {
		return err
	}
	s.cache.forgetAccount(p.AccountID)
	return nil
}

// UnlockAccount clears the account's login lock: the failures counted against its username from
// every address, so its owner can sign in again at once. Only an admin may; it is audited.
// Failures counted against an address across usernames stay (they say nothing about this account).
func (s *Service) UnlockAccount(ctx context.Context, id int64) error {
	if _, err := auth.Require(ctx, auth.RoleAdmin); err != nil {
		return err
	}
	var a auth.Account
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var err error
		if a, err = getAccount(ctx, tx, id); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "account.unlock", EntityType: "account",
			EntityID: strconv.FormatInt(id, 10)})
	})
	if err != nil {
		return err
	}
	// After the commit: an unlock is never in effect without its audit record.
	s.throttle.unlock(a.Username)
	return nil
}

// CreateAPIKey issues an API key for a machine client's account; the secret is returned only here.
func (s *Service) CreateAPIKey(ctx context.Context, accountID int64, name string, expiresAt *time.Time) (auth.APIKey, string, error) {
	name = strings.TrimSpace(name)
	if n := len([]rune(name)); n < 1 || n > 100 {
		return auth.APIKey{}, "", errs.Fields(errs.Field("body.name", "length", "密钥名称：应为 1 至 100 个字符", "1 to 100 characters", name))
	}
	if expiresAt != nil && !expiresAt.After(s.now()) {
		return auth.APIKey{}, "", errs.Fields(errs.Field("body.expires_at", "not_future", "到期时间：应晚于当前时间", "must be in the future", expiresAt))
	}
	token, err := newToken(apiKeyPrefix)
	if err != nil {
		return auth.APIKey{}, "", err
	}
	var key auth.APIKey
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := getAccount(ctx, tx, accountID); err != nil {
			return err
		}
		if key, err = insertTokenRow(ctx, tx, accountID, auth.KindAPIKey, name, hashToken(s.pepper, token), expiresAt); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "api_key.create", EntityType: "api_key",
			EntityID: strconv.FormatInt(key.ID, 10), After: key})
	})
	if err != nil {
		return auth.APIKey{}, "", err
	}
	return key, token, nil
}

// ListAPIKeys lists an account's API keys, revoked ones included.
func (s *Service) ListAPIKeys(ctx context.Context, accountID int64) ([]auth.APIKey, error) {
	if _, err := getAccount(ctx, s.db, accountID); err != nil {
		return nil, err
	}
	keys, err := listAPIKeys(ctx, s.db, accountID)
	if keys == nil {
		keys = []auth.APIKey{}
	}
	return keys, err
}

// RevokeAPIKey revokes one API key of an account; revoking a revoked key is a no-op.
func (s *Service) RevokeAPIKey(ctx context.Context, accountID, keyID int64) error {
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := getAPIKey(ctx, tx, accountID, keyID)
		if err != nil {
			return err
		}
		if before.RevokedAt != nil {
			return nil
		}
		if err := revokeTokenRow(ctx, tx, keyID); err != nil {
			return err
		}
		after, err := getAPIKey(ctx, tx, accountID, keyID)
		if err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "api_key.revoke", EntityType: "api_key",
			EntityID: strconv.FormatInt(keyID, 10), Before: before, After: after})
	})
	if err != nil {
		return err
	}
	s.cache.forgetToken(keyID)
	return nil
}

// DisableByUsername disables an account by name (the command line's way in) and revokes its tokens.
func (s *Service) DisableByUsername(ctx context.Context, username string) error {
	row, err := getLogin(ctx, s.db, strings.ToLower(strings.TrimSpace(username)))
	if err != nil {
		return err
	}
	a, err := getAccount(ctx, s.db, row.ID)
	if err != nil {
		return err
	}
	_, err = s.UpdateAccount(ctx, a.ID, a.Version, AccountUpdate{DisplayName: a.DisplayName, Role: a.Role,
		EnterpriseID: a.EnterpriseID, Active: false})
	return err
}

// EnsureAccount creates the account unless one with the username exists already (demo seeding);
// passwordHash lets many demo accounts share one slow hash. It reports whether it created one.
func (s *Service) EnsureAccount(ctx context.Context, a NewAccount, passwordHash string) (bool, error) {
	_, err := s.createWithHash(ctx, a, passwordHash)
	if errors.Is(err, ErrUsernameTaken) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("ensure account %s: %w", a.Username, err)
	}
	return true, nil
}
