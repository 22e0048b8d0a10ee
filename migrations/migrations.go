// Package migrations holds talentd's schema as numbered goose SQL files embedded in the binary, so
// that serve, `talentd migrate` and the tests all apply exactly the same schema.
package migrations

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed *.sql
var files embed.FS

// provider builds a goose provider that serialises concurrent runs with a PostgreSQL advisory lock
// held for the session, so two talentd processes starting at once cannot interleave migrations.
func provider(db *sql.DB, logger *slog.Logger) (*goose.Provider, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, fmt.Errorf("migrations: session locker: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return goose.NewProvider(goose.DialectPostgres, db, files,
		goose.WithSessionLocker(locker),
		goose.WithSlog(logger),
	)
}

// Up applies every pending migration. It is idempotent and safe to run from several processes at once.
func Up(ctx context.Context, db *sql.DB, logger *slog.Logger) error {
	p, err := provider(db, logger)
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrations: up: %w", err)
	}
	for _, r := range results {
		if logger != nil {
			logger.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
		}
	}
	return nil
}

// Status is one migration file and whether (and when) it has been applied.
type Status struct {
	Version   int64
	File      string
	Applied   bool
	AppliedAt sql.NullTime
}

// List reports every embedded migration with its state in the database.
func List(ctx context.Context, db *sql.DB) ([]Status, error) {
	p, err := provider(db, nil)
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: status: %w", err)
	}
	out := make([]Status, 0, len(st))
	for _, s := range st {
		row := Status{Version: s.Source.Version, File: s.Source.Path, Applied: s.State == goose.StateApplied}
		if row.Applied {
			row.AppliedAt = sql.NullTime{Time: s.AppliedAt, Valid: true}
		}
		out = append(out, row)
	}
	return out, nil
}

// Fingerprint identifies the embedded schema: the names and contents of every migration file. Tests
// use it to name a template database, so a changed migration never reuses a stale template.
func Fingerprint() (string, error) {
	entries, err := files.ReadDir(".")
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, e := range entries {
		b, err := files.ReadFile(e.Name())
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", e.Name(), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
