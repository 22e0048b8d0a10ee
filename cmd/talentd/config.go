package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"talentd/internal/postgres"
)

// config is everything a subcommand may need; each value comes from a flag, else its TALENTD_*
// environment variable, else the default.
type config struct {
	Addr            string
	DatabaseURL     string
	DataDir         string
	Pool            postgres.PoolConfig
	SessionTTL      time.Duration
	ShutdownTimeout time.Duration
	LogFormat       string
	LogLevel        string
	CardValidity    string
}

// envFlags registers flags whose defaults come from the environment, and remembers each flag's
// variable for --help.
type envFlags struct {
	fs     *flag.FlagSet
	getenv func(string) string
	errs   []string
}

func (e *envFlags) str(p *string, name, env, def, usage string) {
	if v := e.getenv(env); v != "" {
		def = v
	}
	e.fs.StringVar(p, name, def, usage+" ($"+env+")")
}

func (e *envFlags) integer(p *int, name, env string, def int, usage string) {
	if v := e.getenv(env); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Sprintf("%s=%q is not a whole number", env, v))
		} else {
			def = n
		}
	}
	e.fs.IntVar(p, name, def, usage+" ($"+env+")")
}

func (e *envFlags) duration(p *time.Duration, name, env string, def time.Duration, usage string) {
	if v := e.getenv(env); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Sprintf("%s=%q is not a duration such as 30s or 12h", env, v))
		} else {
			def = d
		}
	}
	e.fs.DurationVar(p, name, def, usage+" ($"+env+")")
}

// commonFlags registers the flags every database-using subcommand shares.
func commonFlags(fs *flag.FlagSet, getenv func(string) string, c *config) *envFlags {
	e := &envFlags{fs: fs, getenv: getenv}
	e.str(&c.DatabaseURL, "database-url", "TALENTD_DATABASE_URL", "",
		"PostgreSQL URL, e.g. postgres://user:pass@host/db?sslmode=disable; empty runs a private cluster in the data directory")
	e.str(&c.DataDir, "data-dir", "TALENTD_DATA_DIR", "./data", "directory for the private PostgreSQL cluster and generated secrets")
	e.integer(&c.Pool.MaxOpenConns, "db-max-open-conns", "TALENTD_DB_MAX_OPEN_CONNS", 20, "most open database connections")
	e.integer(&c.Pool.MaxIdleConns, "db-max-idle-conns", "TALENTD_DB_MAX_IDLE_CONNS", 10, "most idle database connections kept")
	e.duration(&c.Pool.ConnMaxLifetime, "db-conn-max-lifetime", "TALENTD_DB_CONN_MAX_LIFETIME", 30*time.Minute, "recycle connections after this long")
	e.duration(&c.Pool.ConnMaxIdleTime, "db-conn-max-idle-time", "TALENTD_DB_CONN_MAX_IDLE_TIME", 5*time.Minute, "close connections idle this long")
	e.str(&c.LogFormat, "log-format", "TALENTD_LOG_FORMAT", "text", "log format: text or json")
	e.str(&c.LogLevel, "log-level", "TALENTD_LOG_LEVEL", "info", "log level: debug, info, warn or error")
	e.str(&c.CardValidity, "card-validity", "TALENTD_CARD_VALIDITY", "A=5,B=5,C=3,D=3", "green card validity in years per class")
	return e
}

// parse parses args and reports malformed environment values as usage errors.
func (e *envFlags) parse(args []string) error {
	if err := e.fs.Parse(args); err != nil {
		return err
	}
	if len(e.errs) > 0 {
		return usageError(strings.Join(e.errs, "; "))
	}
	return nil
}

func newFlagSet(name string, out io.Writer, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet("talentd "+name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "usage: talentd %s\n\n%s\n\nflags (each defaults to its environment variable):\n", name, summary)
		fs.PrintDefaults()
	}
	return fs
}

// logger builds the process logger. Logs go to stderr so stdout stays for command output.
func (c *config) logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, usageError("unknown log level " + strconv.Quote(c.LogLevel))
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.LogFormat {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, usageError("unknown log format " + strconv.Quote(c.LogFormat) + " (text or json)")
}

// usageError is a mistake in the command line or environment (exit code 2).
type usageError string

func (u usageError) Error() string { return string(u) }
