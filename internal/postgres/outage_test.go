package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"talentd/internal/errs"
)

// pqURL is a lib/pq URL for host (a TCP address or a socket directory) and port.
func pqURL(host string, port int) string {
	return fmt.Sprintf("postgres://talentd@/postgres?host=%s&port=%d&sslmode=disable&connect_timeout=5", host, port)
}

// pingErr opens a pool on url and returns what a first query answers.
func pingErr(t *testing.T, url string) error {
	t.Helper()
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var one int
	return db.QueryRowContext(t.Context(), `SELECT 1`).Scan(&one)
}

// closedTCPPort returns a loopback port nothing listens on.
func closedTCPPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// staleSocketDir returns a directory holding a PostgreSQL socket file that nothing listens on,
// as a server that crashed leaves it: connecting is refused rather than not found.
func staleSocketDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "talentd-stale-") // short: socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(dir, ".s.PGSQL.5432"), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	return dir
}

// TestIsUnavailable classifies the errors the driver really returns when the database is out of
// reach, and makes sure ordinary failures are not mistaken for an outage.
func TestIsUnavailable(t *testing.T) {
	outages := map[string]func(t *testing.T) error{
		"ConnectionRefusedTCP": func(t *testing.T) error {
			return pingErr(t, pqURL("127.0.0.1", closedTCPPort(t)))
		},
		"SocketMissing": func(t *testing.T) error {
			return pingErr(t, pqURL(filepath.Join(t.TempDir(), "gone"), 5432))
		},
		"SocketRefused": func(t *testing.T) error {
			return pingErr(t, pqURL(staleSocketDir(t), 5432))
		},
		"BadConn":        func(*testing.T) error { return fmt.Errorf("list talents: %w", driver.ErrBadConn) },
		"DatabaseClosed": databaseClosedErr,
		"AdminShutdown": func(*testing.T) error {
			return &pq.Error{Severity: "FATAL", Code: "57P01", Message: "terminating connection due to administrator command"}
		},
		"CannotConnectNow": func(*testing.T) error {
			return &pq.Error{Severity: "FATAL", Code: "57P03", Message: "the database system is shutting down"}
		},
		"TooManyConnections": func(*testing.T) error {
			return &pq.Error{Severity: "FATAL", Code: "53300", Message: "sorry, too many clients already"}
		},
		"ConnectionFailure": func(*testing.T) error { return &pq.Error{Severity: "FATAL", Code: "08006"} },
		"WrappedAsInternal": func(t *testing.T) error {
			return errs.Wrap(errs.Internal, "load_failed", "读取失败", "load", fmt.Errorf("q: %w", pingErr(t, pqURL("127.0.0.1", closedTCPPort(t)))))
		},
	}
	for name, make := range outages {
		t.Run(name, func(t *testing.T) {
			err := make(t)
			if err == nil {
				t.Fatal("no error")
			}
			if !IsUnavailable(err) {
				t.Errorf("IsUnavailable(%v) = false", err)
			}
			got := Translate(err, "load")
			if name != "WrappedAsInternal" && errs.KindOf(got) != errs.Unavailable {
				t.Errorf("Translate(%v) is %s, want unavailable", err, errs.KindOf(got))
			}
			if !errors.Is(got, err) {
				t.Error("Translate dropped the cause")
			}
		})
	}

	notOutages := map[string]error{
		"NoRows":          sql.ErrNoRows,
		"TxDone":          sql.ErrTxDone,
		"Canceled":        context.Canceled,
		"Deadline":        fmt.Errorf("q: %w", context.DeadlineExceeded),
		"QueryCanceled":   &pq.Error{Code: "57014", Message: "canceling statement due to user request"},
		"UniqueViolation": &pq.Error{Code: "23505"},
		"SyntaxError":     &pq.Error{Code: "42601"},
		"DiskFull":        &pq.Error{Code: "53100"},
		"UnexpectedEOF":   io.ErrUnexpectedEOF, // a truncated upload, say
		"FileNotFound":    fmt.Errorf("read: %w", os.ErrNotExist),
		"Plain":           errors.New("something else"),
		"Domain":          errs.New(errs.Conflict, "taken", "已被占用", "taken"),
		"Nil":             nil,
	}
	for name, err := range notOutages {
		t.Run("Not"+name, func(t *testing.T) {
			if IsUnavailable(err) {
				t.Errorf("IsUnavailable(%v) = true", err)
			}
			if errs.Is(Translate(err, "load"), errs.Unavailable) {
				t.Errorf("Translate(%v) is unavailable", err)
			}
		})
	}
}

// databaseClosedErr is what a pool answers after Close: the process is shutting down, and the
// request may succeed elsewhere or after a restart.
func databaseClosedErr(t *testing.T) error {
	db, err := sql.Open("postgres", pqURL("127.0.0.1", 1))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	return db.PingContext(t.Context())
}

// TestIsUnavailable_LiveServer checks the errors of a real server going away under open
// connections: a terminated backend inside a transaction (the driver's bad connection), a stopped
// server, and the pool recovering by itself once the server is back.
func TestIsUnavailable_LiveServer(t *testing.T) {
	needBinaries(t)
	ctx := t.Context()
	c, err := StartTempCluster(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Remove(context.Background()) })
	db, err := Open(ctx, c.URL(), PoolConfig{MaxOpenConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	t.Run("TerminatedInTransaction", func(t *testing.T) {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		var pid int
		if err := tx.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
			t.Fatal(err)
		}
		_, err = tx.ExecContext(ctx, `SELECT 1`)
		if err == nil {
			t.Fatal("query on a terminated backend succeeded")
		}
		if !IsUnavailable(err) || !errs.Is(Translate(err, "q"), errs.Unavailable) {
			t.Errorf("terminated backend: %v (%T) not classified unavailable", err, err)
		}
	})

	t.Run("ServerStopped", func(t *testing.T) {
		if err := db.PingContext(ctx); err != nil {
			t.Fatal(err)
		}
		if err := c.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		// Twice: first on the pooled connection the server dropped, then on a fresh dial.
		for i := range 2 {
			var one int
			err := db.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
			if err == nil {
				t.Fatal("query succeeded on a stopped server")
			}
			if !IsUnavailable(err) {
				t.Errorf("attempt %d: %v (%T) not classified unavailable", i, err, err)
			}
			err = InTx(ctx, db, func(tx *sqlx.Tx) error { return nil })
			if !errs.Is(err, errs.Unavailable) {
				t.Errorf("attempt %d: InTx on a stopped server: %v", i, err)
			}
		}
		if err := c.start(ctx, true); err != nil {
			t.Fatal(err)
		}
		var one int
		if err := db.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
			t.Errorf("the pool did not recover once the server was back: %v", err)
		}
	})
}
