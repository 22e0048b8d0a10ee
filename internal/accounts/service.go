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
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/etag"
	"talentd/internal/page"
	"talentd/internal/postgres"
)

// Options configure a Service.
type Options struct {
	// Pepper keys the token hashes; it must stay the same across restarts or every token dies.
	Pepper []byte
	// SessionTTL is how long a login session lasts (default 12 hours: one working day).
	SessionTTL time.Duration
	// Failed logins allowed per username and per client address within FailureWindow.
	MaxFailuresPerUser, MaxFailuresPerAddr int
	FailureWindow                          time.Duration
	// PrincipalTTL is how long a token's principal is remembered in memory (default 5 s; negative
	// turns the cache off). Changes made through this process take effect at once regardless.
	PrincipalTTL time.Duration
	Logger       *slog.Logger
	Now          func() time.Time
}

// Service is the accounts and authentication service.
type Service struct {
	db         *sqlx.DB
	pepper     []byte
	sessionTTL time.Duration
	byUser     *throttle
	byAddr     *throttle
	log        *slog.Logger
	now        func() time.Time
	cache      *principalCache
}

// NewService returns a Service over db.
func NewService(db *sqlx.DB, o Options) *Service {
	if len(o.Pepper) == 0 {
		panic("accounts: empty token pepper")
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 12 * time.Hour
	}
	if o.MaxFailuresPerUser <= 0 {
		o.MaxFailuresPerUser = 5
	}
	if o.MaxFailuresPerAddr <= 0 {
		o.MaxFailuresPerAddr = 20
	}
	if o.FailureWindow <= 0 {
		o.FailureWindow = 15 * time.Minute
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
	return &Service{db: db, pepper: o.Pepper, sessionTTL: o.SessionTTL, log: o.Logger, now: o.Now,
		cache:  newPrincipalCache(o.PrincipalTTL, o.Now),
		byUser: newThrottle(o.MaxFailuresPerUser, o.FailureWindow, o.Now),
		byAddr: newThrottle(o.MaxFailuresPerAddr, o.FailureWindow, o.Now)}
}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// Login checks a username and password and opens a session. Repeated failures for one username or
// from one client address are refused for a while with TooManyRequests, before any password check.
func (s *Service) Login(ctx context.Context, username, password, clientAddr string) (Session, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	userKey, addrKey := "u:"+username, "a:"+clientAddr
	if wait := max(s.byUser.blocked(userKey), s.byAddr.blocked(addrKey)); wait > 0 {
		return Session{}, &errs.Error{Kind: errs.TooManyRequests,
			Message:           "too many failed logins; try again later",
			RetryAfterSeconds: int(math.Ceil(wait.Seconds()))}
	}
	row, err := getLogin(ctx, s.db, username)
	if err != nil && !errors.Is(err, ErrAccountNotFound) {
		return Session{}, err
	}
	hash := row.PasswordHash
	if err != nil {
		hash = dummyHash
	}
	if !VerifyPassword(hash, password) || err != nil || !row.Active {
		s.byUser.fail(userKey)
		s.byAddr.fail(addrKey)
		s.log.InfoContext(ctx, "login failed", "username", username, "client", clientAddr)
		return Session{}, ErrBadCredentials
	}
	s.byUser.reset(userKey)
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
	row, err := getPrincipal(ctx, s.db, hash)
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
	p := auth.Principal{AccountID: row.AccountID, Username: row.Username, Role: auth.Role(row.Role),
		EnterpriseID: row.EnterpriseID.Int64, TokenID: row.TokenID}
	s.cache.put(hash, p)
	return p, nil
}

func validateAccountFields(username, displayName string, role auth.Role, enterpriseID *int64, checkUsername bool) error {
	var fields []errs.FieldError
	if checkUsername && !usernamePattern.MatchString(username) {
		fields = append(fields, errs.FieldError{Location: "body.username", Value: username,
			Message: "3 to 64 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"})
	}
	if n := len([]rune(strings.TrimSpace(displayName))); n < 1 || n > 100 {
		fields = append(fields, errs.FieldError{Location: "body.display_name", Message: "1 to 100 characters", Value: displayName})
	}
	if !role.Valid() {
		fields = append(fields, errs.FieldError{Location: "body.role", Message: "unknown role", Value: role})
	} else if (role == auth.RoleEnterpriseHR) != (enterpriseID != nil) {
		fields = append(fields, ErrEnterpriseScope.Fields...)
	}
	if len(fields) > 0 {
		return errs.Fields("invalid account", fields...)
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
	if err := checkPasswordPolicy(a.Password); err != nil {
		return auth.Account{}, err
	}
	hash, err := HashPassword(a.Password)
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
			s.cache.forgetAccount(id)
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "account.update", EntityType: "account",
			EntityID: strconv.FormatInt(id, 10), Before: before, After: out})
	})
	// Again after the commit: a request between the first forget and the commit may have cached
	// the account as it was.
	s.cache.forgetAccount(id)
	return out, err
}

func sameID(a, b *int64) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

// SetPassword sets another account's password (an admin's reset) and ends its login sessions.
func (s *Service) SetPassword(ctx context.Context, id int64, password string) error {
	if err := checkPasswordPolicy(password); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := setPasswordHash(ctx, tx, id, hash); err != nil {
			return err
		}
		if err := revokeAllTokens(ctx, tx, id, auth.KindSession); err != nil {
			return err
		}
		s.cache.forgetAccount(id)
		return audit.Write(ctx, tx, audit.Entry{Action: "account.set_password", EntityType: "account",
			EntityID: strconv.FormatInt(id, 10)})
	})
}

// ChangeOwnPassword changes the caller's password after checking the current one; every other
// session of the caller ends.
func (s *Service) ChangeOwnPassword(ctx context.Context, current, next string) error {
	p, err := auth.MustPrincipal(ctx)
	if err != nil {
		return err
	}
	hash, err := getPasswordHash(ctx, s.db, p.AccountID)
	if err != nil {
		return err
	}
	if !VerifyPassword(hash, current) {
		return errs.Fields("current password is wrong", errs.FieldError{Location: "body.current_password", Message: "does not match"})
	}
	if err := checkPasswordPolicy(next); err != nil {
		return err
	}
	newHash, err := HashPassword(next)
	if err != nil {
		return err
	}
	return postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := setPasswordHash(ctx, tx, p.AccountID, newHash); err != nil {
			return err
		}
		if err := revokeOtherSessions(ctx, tx, p.AccountID, p.TokenID); err != nil {
			return err
		}
		s.cache.forgetAccount(p.AccountID)
		return audit.Write(ctx, tx, audit.Entry{Action: "account.change_password", EntityType: "account",
			EntityID: strconv.FormatInt(p.AccountID, 10)})
	})
}

// CreateAPIKey issues an API key for a machine client's account; the secret is returned only here.
func (s *Service) CreateAPIKey(ctx context.Context, accountID int64, name string, expiresAt *time.Time) (auth.APIKey, string, error) {
	name = strings.TrimSpace(name)
	if n := len([]rune(name)); n < 1 || n > 100 {
		return auth.APIKey{}, "", errs.Fields("invalid API key", errs.FieldError{Location: "body.name", Message: "1 to 100 characters", Value: name})
	}
	if expiresAt != nil && !expiresAt.After(s.now()) {
		return auth.APIKey{}, "", errs.Fields("invalid API key", errs.FieldError{Location: "body.expires_at", Message: "must be in the future", Value: expiresAt})
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
	return postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
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
		s.cache.forgetToken(keyID)
		after, err := getAPIKey(ctx, tx, accountID, keyID)
		if err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "api_key.revoke", EntityType: "api_key",
			EntityID: strconv.FormatInt(keyID, 10), Before: before, After: after})
	})
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
