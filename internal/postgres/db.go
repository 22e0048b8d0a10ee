// Package postgres opens talentd's connection pool, runs transactions, translates driver errors into
// talentd's error kinds, and (cluster.go) runs a private PostgreSQL cluster when no server is given.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	neturl "net/url"
	"strings"
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
// Invalid, a cancelled query → the context's error, anything else stays Internal. what names the
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
		return errs.Wrap(errs.NotFound, what+": not found", err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", what, err)
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code.Class() {
		case "23":
			switch pqErr.Code.Name() {
			case "unique_violation", "exclusion_violation":
				return errs.Wrap(errs.Conflict, what+": already exists", err)
			case "foreign_key_violation":
				return errs.Wrap(errs.Invalid, what+": refers to something that does not exist", err)
			default:
				return errs.Wrap(errs.Invalid, what+": violates a data rule", err)
			}
		case "08", "57":
			if pqErr.Code.Name() != "query_canceled" {
				return errs.Wrap(errs.Unavailable, "the database is unavailable", err)
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
