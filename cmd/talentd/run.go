package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/greencard"
	"talentd/internal/accounts"
	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/fieldcrypt"
	"talentd/internal/httpapi"
	"talentd/internal/page"
	"talentd/internal/postgres"
	"talentd/internal/secrets"
	"talentd/migrations"
	"talentd/talent"
	"talentd/web"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `talentd — the district talent office's system of record.

usage: talentd <command> [flags]

commands:
  serve                   run the HTTP API (migrates first; --demo seeds demo data on first start)
  migrate [up|status]     apply the embedded schema migrations, or list them
  seed --demo             load the demo district (idempotent)
  accounts create|list|disable   manage sign-in accounts from the command line
  keys rotate|list        rotate or list the green card signing keys
  reencrypt               re-seal every encrypted value under the current encryption key (after a rotation)
  openapi [--yaml]        print the OpenAPI 3.1 document
  version                 print the version

Run 'talentd <command> --help' for a command's flags. Without a database URL, talentd runs a
private PostgreSQL cluster in its data directory (started and stopped as needed).
`

// run is the whole program: main only supplies the process's arguments, environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stdout, usage)
		return usageError("no command given")
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, getenv, stdout)
	case "migrate":
		return cmdMigrate(ctx, rest, getenv, stdout)
	case "seed":
		return cmdSeed(ctx, rest, getenv, stdout)
	case "accounts":
		return cmdAccounts(ctx, rest, getenv, stdout)
	case "keys":
		return cmdKeys(ctx, rest, getenv, stdout)
	case "reencrypt":
		return cmdReencrypt(ctx, rest, getenv, stdout)
	case "openapi":
		return cmdOpenAPI(rest, stdout)
	case "version", "--version":
		fmt.Fprintln(stdout, "talentd", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stdout, usage)
	return usageError("unknown command " + cmd)
}

func exitCode(err error) int {
	var u usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &u):
		return 2
	}
	return 1
}

// database is an open pool plus whatever must be undone when the command ends.
type database struct {
	*sqlx.DB
	cluster *postgres.Cluster
}

// openDatabase connects to the configured server, or starts (or joins) the private cluster in
// the data directory when no URL is configured, and brings the schema up to date.
func openDatabase(ctx context.Context, c *config, log *slog.Logger) (*database, error) {
	url := c.DatabaseURL
	d := &database{}
	if url == "" {
		cl, err := postgres.StartCluster(ctx, c.DataDir, "talentd", log)
		if err != nil {
			return nil, err
		}
		d.cluster, url = cl, cl.URL()
	}
	db, err := postgres.Open(ctx, url, c.Pool)
	if err != nil {
		d.close(log)
		return nil, err
	}
	d.DB = db
	if err := migrations.Up(ctx, db.DB, log); err != nil {
		d.close(log)
		return nil, err
	}
	return d, nil
}

// close closes the pool and stops the private cluster if this process started it.
func (d *database) close(log *slog.Logger) {
	if d.DB != nil {
		d.DB.Close()
	}
	if d.cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := d.cluster.Stop(ctx); err != nil {
			log.Error("stopping the private PostgreSQL cluster", "err", err)
		}
	}
}

// environment is what every database-using command starts from.
type environment struct {
	log *slog.Logger
	db  *database
	svc *services
}

// prepare builds the logger, loads the secrets, opens the (migrated) database and wires the services.
func prepare(ctx context.Context, c *config, getenv func(string) string) (*environment, error) {
	log, err := c.logger()
	if err != nil {
		return nil, err
	}
	sec, err := secrets.Load(c.DataDir, getenv, log)
	if err != nil {
		return nil, err
	}
	db, err := openDatabase(ctx, c, log)
	if err != nil {
		return nil, err
	}
	svc, err := newServices(db.DB, sec, c, log)
	if err != nil {
		db.close(log)
		return nil, err
	}
	return &environment{log: log, db: db, svc: svc}, nil
}

func (e *environment) close() { e.db.close(e.log) }

// services are the slices' services, wired once.
type services struct {
	db        *sqlx.DB // for work across slices, such as the demo seed's lock
	accounts  *accounts.Service
	audit     *audit.Service
	talent    *talent.Service
	greencard *greencard.Service
}

func newServices(db *sqlx.DB, sec secrets.Secrets, c *config, log *slog.Logger) (*services, error) {
	ring, err := fieldcrypt.NewRing(sec.EncryptionKey, sec.OldEncryptionKeys, sec.IndexKey)
	if err != nil {
		return nil, err
	}
	validity, err := greencard.ParseValidity(c.CardValidity)
	if err != nil {
		return nil, usageError(err.Error())
	}
	reg := talent.NewService(db, ring)
	reg.SetLogger(log)
	cards := greencard.NewService(db, ring, reg, greencard.Options{ValidityYears: validity, Logger: log})
	// The registry tells the card slice about registrations, grade changes and departures, inside
	// its own transactions.
	reg.Subscribe(cards.Hooks())
	return &services{
		db:        db,
		accounts:  accounts.NewService(db, accounts.Options{Pepper: sec.TokenPepper, SessionTTL: c.SessionTTL, Logger: log}),
		audit:     audit.NewService(db),
		talent:    reg,
		greencard: cards,
	}, nil
}

// newHTTP builds the HTTP layer and registers every slice's operations on it.
func newHTTP(db *sqlx.DB, s *services, log *slog.Logger) *httpapi.Server {
	opts := httpapi.Options{Title: "talentd", Version: version, Logger: log, Docs: web.DocsHandler(),
		Authenticate: s.accounts.Authenticate}
	if db != nil {
		opts.DB = db.DB
	}
	srv := httpapi.New(opts)
	accounts.Register(srv.API, s.accounts)
	audit.Register(srv.API, s.audit)
	talent.Register(srv.API, s.talent)
	greencard.Register(srv.API, s.greencard)
	return srv
}

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var c config
	var demo bool
	fs := newFlagSet("serve", stdout, "Runs the HTTP API: applies migrations, then serves /v1, /docs, /openapi.json, /metrics, /healthz and /readyz.")
	e := commonFlags(fs, getenv, &c)
	e.str(&c.Addr, "addr", "TALENTD_ADDR", ":8080", "listen address")
	e.duration(&c.SessionTTL, "session-ttl", "TALENTD_SESSION_TTL", 12*time.Hour, "how long a login session lasts")
	e.duration(&c.ShutdownTimeout, "shutdown-timeout", "TALENTD_SHUTDOWN_TIMEOUT", 15*time.Second, "how long to let in-flight requests finish on shutdown")
	fs.BoolVar(&demo, "demo", getenv("TALENTD_DEMO") == "true", "seed the demo district and demo accounts on first start ($TALENTD_DEMO=true)")
	if err := e.parse(args); err != nil {
		return err
	}
	env, err := prepare(ctx, &c, getenv)
	if err != nil {
		return err
	}
	defer env.close()
	log, db, svc := env.log, env.db, env.svc
	if demo {
		if err := seedDemo(ctx, svc, stdout, log); err != nil {
			return err
		}
	}
	srv := newHTTP(db.DB, svc, log)

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.Addr, err)
	}
	hs := &http.Server{
		Handler:           srv.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(stdout, "talentd listening on http://%s (API docs at /docs)\n", displayAddr(ln.Addr()))
	log.Info("listening", "addr", ln.Addr().String(), "version", version)

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests", "timeout", c.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), c.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	svc.greencard.Close() // the last verification log lines
	log.Info("stopped")
	return nil
}

// displayAddr turns a wildcard listen address into one a browser can open.
func displayAddr(a net.Addr) string {
	s := a.String()
	if host, port, err := net.SplitHostPort(s); err == nil && (host == "" || host == "::" || host == "0.0.0.0") {
		return "localhost:" + port
	}
	return s
}

func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var c config
	fs := newFlagSet("migrate [up|status]", stdout, "Applies the embedded migrations (up, the default) or lists them with their state (status).")
	e := commonFlags(fs, getenv, &c)
	if err := e.parse(args); err != nil {
		return err
	}
	action := "up"
	if fs.NArg() > 0 {
		action = fs.Arg(0)
	}
	if action != "up" && action != "status" {
		return usageError("migrate takes up or status, not " + action)
	}
	env, err := prepare(ctx, &c, getenv) // applies pending migrations
	if err != nil {
		return err
	}
	defer env.close()
	db := env.db
	list, err := migrations.List(ctx, db.DB.DB)
	if err != nil {
		return err
	}
	if action == "up" {
		fmt.Fprintf(stdout, "schema is up to date (%d migrations)\n", len(list))
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tFILE\tAPPLIED AT")
	for _, m := range list {
		at := "pending"
		if m.Applied {
			at = m.AppliedAt.Time.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\n", m.Version, m.File, at)
	}
	return tw.Flush()
}

func cmdSeed(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var c config
	var demo bool
	fs := newFlagSet("seed --demo", stdout, "Loads the demo district: enterprises, demo accounts (idempotent: run it again and nothing is duplicated).")
	e := commonFlags(fs, getenv, &c)
	fs.BoolVar(&demo, "demo", false, "load the demo data set")
	if err := e.parse(args); err != nil {
		return err
	}
	if !demo {
		return usageError("seed needs --demo (the only data set so far)")
	}
	env, err := prepare(ctx, &c, getenv)
	if err != nil {
		return err
	}
	defer env.close()
	return seedDemo(ctx, env.svc, stdout, env.log)
}

func cmdReencrypt(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var c config
	fs := newFlagSet("reencrypt", stdout, "Re-seals every encrypted value (identity numbers, card signing keys) under TALENTD_ENCRYPTION_KEY;\n"+
		"keep the previous key in TALENTD_ENCRYPTION_OLD_KEYS until this reports 0 for every kind.")
	e := commonFlags(fs, getenv, &c)
	if err := e.parse(args); err != nil {
		return err
	}
	env, err := prepare(ctx, &c, getenv)
	if err != nil {
		return err
	}
	defer env.close()
	return reencryptAll(auth.WithPrincipal(ctx, auth.System), env.svc, stdout)
}

// sealedKind is one kind of value sealed with the field-encryption ring, and the slice method
// that re-seals it under the current key.
type sealedKind struct {
	name      string // plural, for the report
	reencrypt func(context.Context) (int, error)
}

// sealed lists every kind of sealed value of every slice. A slice that seals something new adds
// its Reencrypt here: a kind left out would stay sealed under the old key, and removing that key
// would break it.
func (s *services) sealed() []sealedKind {
	return []sealedKind{
		{"identity numbers", s.talent.Reencrypt},
		{"card signing keys", s.greencard.Reencrypt},
	}
}

// reencryptAll re-seals every kind in turn, reporting a count per kind as it goes; it stops at
// the first error, which names the kind (and, for a value no key opens, the row and the remedy).
func reencryptAll(ctx context.Context, svc *services, stdout io.Writer) error {
	for _, k := range svc.sealed() {
		n, err := k.reencrypt(ctx)
		if err != nil {
			return fmt.Errorf("re-encrypting %s (after %d re-sealed): %w", k.name, n, err)
		}
		fmt.Fprintf(stdout, "re-encrypted %d %s under the current key\n", n, k.name)
	}
	return nil
}

func cmdKeys(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || (args[0] != "rotate" && args[0] != "list") {
		return usageError("keys takes rotate or list")
	}
	sub := args[0]
	var c config
	fs := newFlagSet("keys "+sub, stdout, "Rotates (a new active key; the old one keeps verifying its cards) or lists the green card signing keys.")
	e := commonFlags(fs, getenv, &c)
	if err := e.parse(args[1:]); err != nil {
		return err
	}
	env, err := prepare(ctx, &c, getenv)
	if err != nil {
		return err
	}
	defer env.close()
	ctx = auth.WithPrincipal(ctx, auth.System)
	if sub == "rotate" {
		k, err := env.svc.greencard.RotateKey(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "new active signing key %d\n", k.KeyID)
		return nil
	}
	keys, err := env.svc.greencard.Keys(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY ID\tSTATUS\tCREATED\tRETIRED")
	for _, k := range keys {
		retired := "-"
		if k.RetiredAt != nil {
			retired = k.RetiredAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", k.KeyID, k.Status, k.CreatedAt.UTC().Format(time.RFC3339), retired)
	}
	return tw.Flush()
}

func cmdOpenAPI(args []string, stdout io.Writer) error {
	var asYAML bool
	fs := newFlagSet("openapi [--yaml]", stdout, "Prints the OpenAPI 3.1 document of the HTTP API.")
	fs.BoolVar(&asYAML, "yaml", false, "print YAML instead of JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := &config{}
	// Registration touches neither the database nor the keys; throwaway keys satisfy the constructors.
	key := make([]byte, 32)
	svc, err := newServices(nil, secrets.Secrets{TokenPepper: key, EncryptionKey: key, IndexKey: key}, c, log)
	if err != nil {
		return err
	}
	srv := newHTTP(nil, svc, log)
	marshal := srv.API.OpenAPI().MarshalJSON
	if asYAML {
		marshal = srv.API.OpenAPI().YAML
	}
	doc, err := marshal()
	if err != nil {
		return err
	}
	_, err = stdout.Write(doc)
	if err == nil && !asYAML {
		_, err = io.WriteString(stdout, "\n")
	}
	return err
}

func cmdAccounts(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError("accounts takes create, list or disable")
	}
	sub, args := args[0], args[1:]
	var c config
	var username, password, role, displayName string
	var enterpriseID int64
	fs := newFlagSet("accounts "+sub, stdout, "Manages sign-in accounts directly in the database (e.g. to bootstrap the first admin).")
	e := commonFlags(fs, getenv, &c)
	switch sub {
	case "create":
		fs.StringVar(&username, "username", "", "sign-in name: lower-case letters, digits, . _ -")
		fs.StringVar(&password, "password", "", "password (10 to 128 characters); prefer $TALENTD_NEW_PASSWORD to keep it out of the shell history")
		fs.StringVar(&role, "role", "", "one of "+rolesList())
		fs.StringVar(&displayName, "display-name", "", "name shown in the audit log (defaults to the username)")
		fs.Int64Var(&enterpriseID, "enterprise", 0, "enterprise id (required for enterprise_hr)")
	case "disable":
		fs.StringVar(&username, "username", "", "account to disable (its sessions and API keys are revoked)")
	case "list":
	default:
		return usageError("accounts takes create, list or disable, not " + sub)
	}
	if err := e.parse(args); err != nil {
		return err
	}
	if sub == "create" {
		if password == "" {
			password = getenv("TALENTD_NEW_PASSWORD")
		}
		if username == "" || password == "" || role == "" {
			return usageError("accounts create needs --username, --password (or $TALENTD_NEW_PASSWORD) and --role")
		}
	}
	if sub == "disable" && username == "" {
		return usageError("accounts disable needs --username")
	}
	env, err := prepare(ctx, &c, getenv)
	if err != nil {
		return err
	}
	defer env.close()
	svc := env.svc.accounts
	ctx = auth.WithPrincipal(ctx, auth.System)

	switch sub {
	case "create":
		if displayName == "" {
			displayName = username
		}
		na := accounts.NewAccount{Username: username, DisplayName: displayName, Password: password, Role: auth.Role(role)}
		if enterpriseID != 0 {
			na.EnterpriseID = &enterpriseID
		}
		a, err := svc.CreateAccount(ctx, na)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "created account %d: %s (%s)\n", a.ID, a.Username, a.Role)
	case "disable":
		if err := svc.DisableByUsername(ctx, username); err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "disabled %s; its sessions and API keys are revoked\n", username)
	case "list":
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSERNAME\tROLE\tENTERPRISE\tACTIVE\tDISPLAY NAME")
		var after string
		for {
			pg, err := svc.ListAccounts(ctx, accounts.Filter{}, pageQuery(after))
			if err != nil {
				return err
			}
			for _, a := range pg.Items {
				ent := "-"
				if a.EnterpriseID != nil {
					ent = fmt.Sprint(*a.EnterpriseID)
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%t\t%s\n", a.ID, a.Username, a.Role, ent, a.Active, a.DisplayName)
			}
			if pg.NextCursor == "" {
				break
			}
			after = pg.NextCursor
		}
		return tw.Flush()
	}
	return nil
}

func rolesList() string {
	names := make([]string, len(auth.AllRoles))
	for i, r := range auth.AllRoles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// describe renders a domain error with its field details for the terminal.
func describe(err error) error {
	var de *errs.Error
	if !errors.As(err, &de) || len(de.Fields) == 0 {
		return err
	}
	var b strings.Builder
	b.WriteString(de.Message)
	for _, f := range de.Fields {
		fmt.Fprintf(&b, "; %s: %s", strings.TrimPrefix(f.Location, "body."), f.Message)
	}
	return errors.New(b.String())
}

func pageQuery(cursor string) page.Query { return page.Query{Cursor: cursor, Limit: page.MaxLimit} }
