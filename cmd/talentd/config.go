package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"talentd/internal/errs"
	"talentd/internal/iso20022"
	"talentd/internal/postgres"
	"talentd/internal/secrets"
	"talentd/subsidy"
)

// config is everything a subcommand may need; each value comes from a flag, else its TALENTD_*
// environment variable, else the default. A subcommand registers only the flags it uses; the
// others keep their zero values, which the services read as their defaults.
type config struct {
	Addr            string
	DatabaseURL     string
	DataDir         string
	Pool            postgres.PoolConfig
	SessionTTL      time.Duration
	SessionIdle     time.Duration
	ShutdownTimeout time.Duration
	LogFormat       string
	LogLevel        string
	CardValidity    string
	// Payer is the paying party of the subsidy payout runs' bank files; empty, no file is written.
	Payer iso20022.Party
}

// flagSpec is what a subcommand's help says about one flag: its built-in default (never a value
// from the environment, which may hold a secret such as a database password) and its variable.
type flagSpec struct {
	name, kind, def, env, usage string
}

// envFlags is one subcommand's flags. Each flag's default comes from its environment variable when
// that is set; the flag, when given, wins. It also knows how to print the subcommand's help.
type envFlags struct {
	fs       *flag.FlagSet
	getenv   func(string) string
	stdout   io.Writer
	synopsis string // e.g. "serve [flags]"
	doc      string // what the subcommand does
	envOnly  []envVar
	specs    []flagSpec
	errs     []string
}

// envVar is an environment variable a subcommand reads that no flag sets.
type envVar struct{ name, usage string }

// newFlags starts the flags of the subcommand synopsis ("keys rotate [flags]"), documented by doc.
// Help goes to stdout; mistakes are returned, with the help, for the caller to print on stderr.
func newFlags(synopsis, doc string, getenv func(string) string, stdout io.Writer) *envFlags {
	name, _, _ := strings.Cut(synopsis, " [")
	fs := flag.NewFlagSet("talentd "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse errors come back as usage errors instead
	return &envFlags{fs: fs, getenv: getenv, stdout: stdout, synopsis: synopsis, doc: doc}
}

// fromEnv returns the environment's value for env, or def when it is unset (or env is "").
func (e *envFlags) fromEnv(env, def string) string {
	if env == "" {
		return def
	}
	if v := e.getenv(env); v != "" {
		return v
	}
	return def
}

func (e *envFlags) note(name, kind, def, env, usage string) {
	e.specs = append(e.specs, flagSpec{name: name, kind: kind, def: def, env: env, usage: usage})
}

// str registers a string flag; env may be "" for a flag no environment variable sets.
func (e *envFlags) str(p *string, name, env, def, usage string) {
	e.note(name, "string", strconv.Quote(def), env, usage)
	e.fs.StringVar(p, name, e.fromEnv(env, def), usage)
}

func (e *envFlags) integer(p *int, name, env string, def int, usage string) {
	e.note(name, "int", strconv.Itoa(def), env, usage)
	if v := e.fromEnv(env, ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Sprintf("%s=%q is not a whole number", env, v))
		} else {
			def = n
		}
	}
	e.fs.IntVar(p, name, def, usage)
}

func (e *envFlags) int64(p *int64, name string, def int64, usage string) {
	e.note(name, "int", strconv.FormatInt(def, 10), "", usage)
	e.fs.Int64Var(p, name, def, usage)
}

func (e *envFlags) duration(p *time.Duration, name, env string, def time.Duration, usage string) {
	e.note(name, "duration", def.String(), env, usage)
	if v := e.fromEnv(env, ""); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Sprintf("%s=%q is not a duration such as 30s or 12h", env, v))
		} else {
			def = d
		}
	}
	e.fs.DurationVar(p, name, def, usage)
}

func (e *envFlags) boolean(p *bool, name, env string, usage string) {
	e.note(name, "", "", env, usage)
	def := false
	if v := e.fromEnv(env, ""); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Sprintf("%s=%q is not true or false", env, v))
		}
		def = b
	}
	e.fs.BoolVar(p, name, def, usage)
}

// databaseFlags are the flags of every subcommand that uses the database: where it is (or where
// the private cluster and the generated secrets live), how to log, and the secrets it reads.
func databaseFlags(e *envFlags, c *config) {
	e.str(&c.DatabaseURL, "database-url", "TALENTD_DATABASE_URL", "",
		"PostgreSQL URL, e.g. postgres://user:pass@host/db?sslmode=disable; empty runs a private cluster in the data directory")
	e.str(&c.DataDir, "data-dir", "TALENTD_DATA_DIR", "./data", "directory for the private PostgreSQL cluster and generated secrets")
	e.str(&c.LogFormat, "log-format", "TALENTD_LOG_FORMAT", "text", "log format (to stderr): text or json")
	e.str(&c.LogLevel, "log-level", "TALENTD_LOG_LEVEL", "info", "log level: debug, info, warn or error")
	e.envOnly = append(e.envOnly,
		envVar{secrets.EnvTokenPepper, "base64 of 32 bytes keying the hashes of session tokens and API keys"},
		envVar{secrets.EnvEncryptionKey, "base64 of 32 bytes: the AES-256 key sealing identity numbers and signing keys"},
		envVar{secrets.EnvOldEncryptionKeys, "retired encryption keys (comma-separated base64) that still open values during a rotation"},
		envVar{secrets.EnvIndexKey, "base64 of 32 bytes keying the blind index of identity numbers"},
	)
}

// poolFlags size the connection pool of a long-running subcommand.
func poolFlags(e *envFlags, c *config) {
	e.integer(&c.Pool.MaxOpenConns, "db-max-open-conns", "TALENTD_DB_MAX_OPEN_CONNS", 20, "most open database connections")
	e.integer(&c.Pool.MaxIdleConns, "db-max-idle-conns", "TALENTD_DB_MAX_IDLE_CONNS", 10, "most idle database connections kept")
	e.duration(&c.Pool.ConnMaxLifetime, "db-conn-max-lifetime", "TALENTD_DB_CONN_MAX_LIFETIME", 30*time.Minute, "recycle connections after this long")
	e.duration(&c.Pool.ConnMaxIdleTime, "db-conn-max-idle-time", "TALENTD_DB_CONN_MAX_IDLE_TIME", 5*time.Minute, "close connections idle this long")
}

// cardFlags are the flags of the subcommands that issue green cards.
func cardFlags(e *envFlags, c *config) {
	e.str(&c.CardValidity, "card-validity", "TALENTD_CARD_VALIDITY", "A=5,B=5,C=3,D=3", "green card validity in years per class")
}

// payerFlags are the flags of the subcommands that wire the subsidy slice: the finance bureau's
// account the payout runs' credit-transfer files debit.
func payerFlags(e *envFlags, c *config) {
	e.str(&c.Payer.Name, "payer-name", "TALENTD_PAYER_NAME", "", "account holder's name of the account payout runs are paid from (with --payer-account and --payer-cnaps; the demo's by default with --demo)")
	e.str(&c.Payer.Account.Number, "payer-account", "TALENTD_PAYER_ACCOUNT", "", "number of the account payout runs are paid from, digits only")
	e.str(&c.Payer.Agent.CNAPS, "payer-cnaps", "TALENTD_PAYER_CNAPS", "", "12-digit CNAPS code (联行号) of the bank that holds the payer's account")
}

// checkPayer settles the payer after the flags are parsed: none given is no payer (the payout
// runs' files are refused), or the demo district's with demo; all three given must be well-formed.
// Some but not all is a usage error, so that a typo never leaves the files half configured.
func (c *config) checkPayer(e *envFlags, demo bool) error {
	p := c.Payer
	given := 0
	for _, v := range []string{p.Name, p.Account.Number, p.Agent.CNAPS} {
		if v != "" {
			given++
		}
	}
	switch {
	case given == 0 && demo:
		c.Payer = subsidy.DemoPayer
		return nil
	case given == 0:
		return nil
	case given < 3:
		return e.misuse("--payer-name, --payer-account and --payer-cnaps ($TALENTD_PAYER_*) are set together or not at all")
	}
	var bad *errs.Error
	if err := subsidy.CheckPayer(p); errors.As(err, &bad) {
		msgs := make([]string, len(bad.Fields))
		for i, f := range bad.Fields {
			msgs[i] = "--" + strings.ReplaceAll(f.Location, ".", "-") + ": " + f.Message
		}
		return e.misuse(strings.Join(msgs, "; "))
	} else if err != nil {
		return err
	}
	return nil
}

// parse parses args. With -h or --help it prints the help to stdout and reports done; a mistake in
// the flags or the environment comes back as a usage error carrying the help.
func (e *envFlags) parse(args []string) (done bool, err error) {
	if err := e.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			e.help(e.stdout)
			return true, nil
		}
		return false, e.misuse(err.Error())
	}
	if len(e.errs) > 0 {
		return false, e.misuse(strings.Join(e.errs, "; "))
	}
	return false, nil
}

// misuse is a usage error that shows this subcommand's help.
func (e *envFlags) misuse(msg string) error {
	var b strings.Builder
	e.help(&b)
	return withUsage{usageError(msg), b.String()}
}

// help prints the subcommand's synopsis, what it does, its flags with their defaults and
// environment variables, and the variables it reads that no flag sets.
func (e *envFlags) help(w io.Writer) {
	fmt.Fprintf(w, "usage: talentd %s\n\n%s\n", e.synopsis, e.doc)
	if len(e.specs) > 0 {
		header := "flags:"
		if slices.ContainsFunc(e.specs, func(s flagSpec) bool { return s.env != "" }) {
			header = "flags (a flag given wins over its $TALENTD_* variable, which wins over the default):"
		}
		fmt.Fprintf(w, "\n%s\n", header)
	}
	for _, s := range e.specs {
		fmt.Fprintf(w, "  --%s\n        %s", strings.TrimSpace(s.name+" "+s.kind), s.usage)
		var extra []string
		if s.def != "" && s.def != `""` && s.def != "0" {
			extra = append(extra, "default "+s.def)
		}
		if s.env != "" {
			extra = append(extra, "$"+s.env)
		}
		if len(extra) > 0 {
			fmt.Fprintf(w, " (%s)", strings.Join(extra, "; "))
		}
		fmt.Fprintln(w)
	}
	if len(e.envOnly) > 0 {
		fmt.Fprintf(w, "\nenvironment (no flag sets these):\n")
	}
	for _, v := range e.envOnly {
		fmt.Fprintf(w, "  %s\n        %s\n", v.name, v.usage)
	}
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

// withUsage is a usage error with the help that shows the right way, printed after it on stderr.
type withUsage struct {
	err   usageError
	usage string
}

func (w withUsage) Error() string { return w.err.Error() }

// Unwrap makes a withUsage a usageError to errors.As.
func (w withUsage) Unwrap() error { return w.err }
