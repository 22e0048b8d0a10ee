// Package postgres opens talentd's connection pool, runs transactions, translates driver errors into
// talentd's error kinds, and (cluster.go) runs a private PostgreSQL cluster when no server is given.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	neturl "net/url"
	"strings"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"talentd/internal/errs"
)

// PoolConfig bounds the connection pool; zero values keep database/sql's defaults.
type PoolConfig struct {
	MaxOpenConns    int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
	ConnMaxIdleTime time.Duration
}

// withOneRoundTrip asks lib/pq to send a parameterised query's parse, bind and execute together
// (binary_parameters), instead of waiting for the server to describe the statement first: one
// network round trip per query instead of two. []byte arguments then travel as binary, which is
// what the bytea columns they are used for expect.
func withOneRoundTrip(dsn string) string {
	if strings.Contains(dsn, "binary_parameters") {
		return dsn
	}
	if u, err := neturl.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Set("binary_parameters", "yes")
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " binary_parameters=yes"
}

// Open connects to url, applies the pool settings and checks the server answers within ctx.
func Open(ctx context.Context, url string, pool PoolConfig) (*sqlx.DB, error) {
	db, err := sqlx.Open("postgres", withOneRoundTrip(url))
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if pool.MaxOpenConns > 0 {
		db.SetMaxOpenConns(pool.MaxOpenConns)
	}
	if pool.MaxIdleConns > 0 {
		db.SetMaxIdleConns(pool.MaxIdleConns)
	}
	if pool.ConnMaxLifetime > 0 {
		db.SetConnMaxLifetime(pool.ConnMaxLifetime)
	}
	if pool.ConnMaxIdleTime > 0 {
		db.SetConnMaxIdleTime(pool.ConnMaxIdleTime)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	return db, nil
}

// InTx runs fn in a transaction: committed when fn returns nil, rolled back otherwise (and on panic).
func InTx(ctx context.Context, db *sqlx.DB, fn func(tx *sqlx.Tx) error) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return Translate(err, "begin transaction")
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return Translate(err, "commit")
	}
	return nil
}

// Translate maps a driver error onto talentd's error kinds, wrapped with %w so the cause survives
// for logs: no rows → NotFound, unique violation → Conflict, check/foreign-key violations →
// Invalid, a cancelled query → the context's error, an unreachable database (IsUnavailable) →
// Unavailable, anything else stays Internal. what names the
// operation in the message; constraint-specific messages are the caller's to add (see Constraint).
func Translate(err error, what string) error {
	if err == nil {
		return nil
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return errs.Wrap(errs.NotFound, "not_found", "未找到相关记录", what+": not found", err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", what, err)
	}
	if IsUnavailable(err) {
		return ErrUnavailable.With(err)
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code.Class() {
		case "23":
			switch pqErr.Code.Name() {
			case "unique_violation", "exclusion_violation":
				return errs.Wrap(errs.Conflict, "already_exists", "相同的记录已经存在", what+": already exists", err)
			case "foreign_key_violation":
				return errs.Wrap(errs.Invalid, "reference_not_found", "所引用的记录不存在", what+": refers to something that does not exist", err)
			default:
				return errs.Wrap(errs.Invalid, "constraint_violation", "填写的内容不符合数据规则", what+": violates a data rule", err)
			}
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Constraint names the database constraint err violated, or "" when it is not a constraint error,
// so that stores can give a precise message (e.g. "this credit code is registered already").
func Constraint(err error) string {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return pqErr.Constraint
	}
	return ""
}

// ErrUnavailable is the client-safe face of a database outage (errors.Is matches it after
// Translate): generic on purpose, since the cause — a socket path, a driver message — is for the
// log only.
var ErrUnavailable = errs.New(errs.Unavailable, "database_unavailable", "数据库暂时无法访问，请几秒钟后再试",
	"the database is unavailable; try again in a few seconds")

// IsUnavailable reports whether err means the database could not be reached or dropped the
// connection — a refused or reset connection, a missing socket, the driver's bad connection, a
// server shutting down or out of connection slots, a pool already closed — rather than a fault
// of the request or of talentd. Such errors are worth retrying once the database is back, so the
// HTTP layer answers them 503 with Retry-After wherever they come from, translated or not.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) {
		return true
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code.Class() {
		case "08": // connection exception
			return true
		case "57": // operator intervention: shutdown, crash, starting up — but not a cancelled query
			return pqErr.Code.Name() != "query_canceled"
		case "53": // insufficient resources: only running out of connection slots is passing
			return pqErr.Code.Name() == "too_many_connections"
		}
		return false
	}
	// The driver returns dial, read and write failures as they come from the network (a refused
	// TCP port, a socket file that is gone or that nobody listens on, a reset connection).
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	for _, errno := range []syscall.Errno{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED,
		syscall.EPIPE, syscall.EHOSTUNREACH, syscall.ENETUNREACH} {
		if errors.Is(err, errno) {
			return true
		}
	}
	// database/sql does not export the error of a closed pool; it only happens while the process
	// shuts down, when the request may succeed against the restarted (or another) instance.
	return anyInChain(err, func(e error) bool { return e.Error() == "sql: database is closed" })
}

// anyInChain reports whether match holds for err or any error it wraps, joined errors included.
func anyInChain(err error, match func(error) bool) bool {
	if err == nil {
		return false
	}
	if match(err) {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return anyInChain(u.Unwrap(), match)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if anyInChain(e, match) {
				return true
			}
		}
	}
	return false
}

// WithSessionLock runs fn while this process holds PostgreSQL's session-level advisory lock key,
// waiting (within ctx) while another process — another talentd on the same database — holds it.
// It is for work of many transactions that must not interleave with the same work elsewhere,
// such as loading the demo data; the database releases the lock by itself if this process dies.
func WithSessionLock(ctx context.Context, db *sqlx.DB, key int64, fn func() error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return Translate(err, "advisory lock")
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		return Translate(err, "advisory lock")
	}
	defer func() {
		var released bool
		err := conn.QueryRowContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key).Scan(&released)
		if err != nil || !released {
			// Never hand a connection that may still hold the lock back to the pool: closing
			// it ends the session, and with it the lock.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return fn()
}
