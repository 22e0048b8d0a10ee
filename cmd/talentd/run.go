package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jmoiron/sqlx"

	"talentd/greencard"
	"talentd/housing"
	"talentd/internal/accounts"
	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/fieldcrypt"
	"talentd/internal/httpapi"
	"talentd/internal/idempotency"
	"talentd/internal/page"
	"talentd/internal/postgres"
	"talentd/internal/secrets"
	"talentd/internal/vocab"
	"talentd/migrations"
	"talentd/subsidy"
	"talentd/talent"
	"talentd/web"
)

// version is set by `make build` with -ldflags "-X main.version=..."; see versionString.
var version string

// subcommand is one of talentd's commands, as the overview lists it.
type subcommand struct {
	name, args, summary string
	run                 func(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error
}

// subcommands are talentd's commands in the order the overview lists them.
func subcommands() []subcommand {
	return []subcommand{
		{"serve", "", "run the HTTP API (migrates first; --demo loads the demo district on first start)", cmdServe},
		{"migrate", "[up|status]", "apply the embedded schema migrations, or list them", cmdMigrate},
		{"seed", "--demo", "load the demo district (idempotent)", cmdSeed},
		{"accounts", "create|list|disable", "manage sign-in accounts from the shell", cmdAccounts},
		{"keys", "rotate|list", "rotate or list the green card signing keys", cmdKeys},
		{"reencrypt", "", "re-seal every encrypted value under the current encryption key (after a rotation)", cmdReencrypt},
		{"openapi", "[--yaml]", "print the OpenAPI 3.1 document", cmdOpenAPI},
		{"version", "", "print the version", cmdVersion},
		{"help", "[command]", "print this overview, or a command's help", cmdHelp},
	}
}

// overview is the help of talentd itself: every command with one line.
func overview() string {
	var b strings.Builder
	b.WriteString("talentd — the district talent office's system of record.\n\nusage: talentd <command> [flags]\n\ncommands:\n")
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, c := range subcommands() {
		fmt.Fprintf(tw, "  %s %s\t%s\n", c.name, c.args, c.summary)
	}
	_ = tw.Flush()
	b.WriteString("\nRun 'talentd <command> --help' (or 'talentd help <command>') for what a command does, its flags\n" +
		"and the TALENTD_* environment variables they read. Without a database URL, talentd runs a private\n" +
		"PostgreSQL cluster in its data directory (started and stopped as needed).\n")
	return b.String()
}

// run is the whole program: main only supplies the process's arguments, environment and output.
// Help goes to stdout; a usage error comes back for main to print, with its usage, on stderr.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) < 2 {
		return withUsage{usageError("no command given"), overview()}
	}
	name, rest := args[1], args[2:]
	switch {
	case isHelpFlag(name):
		name = "help"
	case name == "--version" || name == "-version":
		name = "version"
	}
	for _, c := range subcommands() {
		if c.name == name {
			return c.run(ctx, rest, getenv, stdout)
		}
	}
	return withUsage{usageError("unknown command " + strconv.Quote(name)), overview()}
}

func isHelpFlag(arg string) bool { return arg == "-h" || arg == "--help" || arg == "-help" }

// cmdHelp prints the overview, or a command's help exactly as `talentd <command> --help` does.
func cmdHelp(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "help" || isHelpFlag(args[0]) {
		fmt.Fprint(stdout, overview())
		return nil
	}
	for _, c := range subcommands() {
		if c.name == args[0] {
			return c.run(ctx, append(slices.Clone(args[1:]), "--help"), getenv, stdout)
		}
	}
	return withUsage{usageError("no command " + strconv.Quote(args[0])), overview()}
}

func cmdVersion(_ context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	e := newFlags("version", "Prints the version: the one `make build` stamped, else the source revision the binary was\n"+
		"built from (with -dirty when it had uncommitted changes) and its commit time, else \"devel\".", getenv, stdout)
	if done, err := e.parse(args); done || err != nil {
		return err
	}
	fmt.Fprintln(stdout, "talentd", versionString())
	return nil
}

// versionString is the version this binary reports.
func versionString() string {
	info, _ := debug.ReadBuildInfo()
	return describeVersion(version, info)
}

// describeVersion is the stamped version when there is one, else the build's VCS revision ("-dirty"
// when the tree was modified) and commit time, else "devel".
func describeVersion(stamped string, info *debug.BuildInfo) string {
	if stamped != "" {
		return stamped
	}
	var rev, at, dirty string
	if info != nil {
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "-dirty"
				}
			}
		}
	}
	if rev == "" {
		return "devel"
	}
	v := rev[:min(len(rev), 12)] + dirty
	if at != "" {
		v += " (" + at + ")"
	}
	return v
}

// action is one action of a command that has several (accounts create, keys rotate).
type action struct{ name, summary string }

// actionOf takes the action from args for command cmd: --help prints the command's help (its
// actions) and reports done; a missing or unknown action is a usage error with that help.
func actionOf(cmd, doc string, actions []action, args []string, stdout io.Writer) (string, []string, bool, error) {
	names := make([]string, len(actions))
	for i, a := range actions {
		names[i] = a.name
	}
	help := func(w io.Writer) {
		fmt.Fprintf(w, "usage: talentd %s %s [flags]\n\n%s\n\nactions:\n", cmd, strings.Join(names, "|"), doc)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, a := range actions {
			fmt.Fprintf(tw, "  %s\t%s\n", a.name, a.summary)
		}
		_ = tw.Flush()
		fmt.Fprintf(w, "\nRun 'talentd %s <action> --help' for an action's flags.\n", cmd)
	}
	misuse := func(msg string) error {
		var b strings.Builder
		help(&b)
		return withUsage{usageError(msg), b.String()}
	}
	switch {
	case len(args) == 0:
		return "", nil, false, misuse(cmd + " takes " + strings.Join(names, ", "))
	case isHelpFlag(args[0]):
		help(stdout)
		return "", nil, true, nil
	case !slices.Contains(names, args[0]):
		return "", nil, false, misuse(cmd + " takes " + strings.Join(names, ", ") + ", not " + strconv.Quote(args[0]))
	}
	return args[0], args[1:], false, nil
}

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
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
	housing   *housing.Service
	subsidy   *subsidy.Service
	// idleTimeout ends unused login sessions; the sign-in page says how soon.
	idleTimeout time.Duration
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
	homes := housing.NewService(db, ring, reg, housing.Options{})
	reg.Subscribe(homes.Hooks())
	subsidies := subsidy.NewService(db, ring, reg, subsidy.Options{Payer: c.Payer, Logger: log})
	reg.Subscribe(subsidies.Hooks())
	return &services{
		db: db,
		accounts: accounts.NewService(db, accounts.Options{Pepper: sec.TokenPepper, SessionTTL: c.SessionTTL,
			IdleTimeout: c.SessionIdle, Logger: log}),
		audit:       audit.NewService(db),
		talent:      reg,
		greencard:   cards,
		housing:     homes,
		subsidy:     subsidies,
		idleTimeout: c.SessionIdle,
	}, nil
}

// newHTTP builds the HTTP layer and registers every slice's operations on it.
func newHTTP(db *sqlx.DB, s *services, log *slog.Logger) *httpapi.Server {
	site := web.NewSite(web.Options{Accounts: s.accounts, Cards: s.greencard, Talent: s.talent, Housing: s.housing,
		Subsidy: s.subsidy, Audit: s.audit, Logger: log, IdleTimeout: s.idleTimeout})
	opts := httpapi.Options{Title: "talentd", Version: versionString(), Logger: log, Docs: web.DocsHandler(), Pages: site.Pages(),
		Authenticate: s.accounts.Authenticate}
	if db != nil {
		opts.DB = db.DB
	}
	srv := httpapi.New(opts)
	accounts.Register(srv.API, s.accounts)
	audit.Register(srv.API, s.audit)
	talent.Register(srv.API, s.talent)
	greencard.Register(srv.API, s.greencard)
	housing.Register(srv.API, s.housing)
	subsidy.Register(srv.API, s.subsidy)
	lists := append([]*vocab.List{auth.RoleVocab}, talent.Vocabularies()...)
	lists = append(lists, greencard.Vocabularies()...)
	lists = append(lists, housing.Vocabularies()...)
	httpapi.RegisterVocabularies(srv.API, append(lists, subsidy.Vocabularies()...), s.greencard.ServiceVocabulary)
	return srv
}

// periodically runs task at once and then every interval until ctx ends.
func periodically(ctx context.Context, every time.Duration, task func(context.Context)) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		task(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// expireHousingOffers lapses the housing offers past their last day at start and then every
// interval until ctx ends, so that an unanswered offer frees its unit for the next applicant
// without anyone having to ask. Several servers may run it at once: each offer lapses once.
func expireHousingOffers(ctx context.Context, h *housing.Service, every time.Duration, log *slog.Logger) {
	periodically(auth.WithPrincipal(ctx, auth.System), every, func(ctx context.Context) {
		n, err := h.ExpireOffers(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("expiring housing offers", "err", err)
		case n > 0:
			log.Info("housing offers expired", "count", n)
		}
	})
}

// purgeIdempotencyKeys deletes the idempotency keys older than idempotency.Retention at start and
// then every interval until ctx ends, so that the stored answers of money-moving requests do not
// pile up. Several servers may run it at once: a key is deleted once.
func purgeIdempotencyKeys(ctx context.Context, db sqlx.ExecerContext, every time.Duration, log *slog.Logger) {
	periodically(ctx, every, func(ctx context.Context) {
		n, err := idempotency.Purge(ctx, db, time.Now().Add(-idempotency.Retention))
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("purging idempotency keys", "err", err)
		case n > 0:
			log.Info("idempotency keys purged", "count", n, "older_than", idempotency.Retention.String())
		}
	})
}

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var c config
	var demo bool
	e := newFlags("serve [flags]", "Runs the HTTP API: applies the migrations, then serves /v1, /docs, /openapi.json, /metrics,\n"+
		"/healthz and /readyz until SIGTERM or Ctrl-C, letting requests in flight finish.", getenv, stdout)
	e.str(&c.Addr, "addr", "TALENTD_ADDR", ":8080", "listen address")
	databaseFlags(e, &c)
	poolFlags(e, &c)
	cardFlags(e, &c)
	payerFlags(e, &c)
	e.duration(&c.SessionTTL, "session-ttl", "TALENTD_SESSION_TTL", 12*time.Hour, "how long a login session lasts")
	e.duration(&c.SessionIdle, "session-idle-timeout", "TALENTD_SESSION_IDLE_TIMEOUT", 30*time.Minute,
		"end a login session after this long without a request (0: only --session-ttl ends it)")
	e.duration(&c.ShutdownTimeout, "shutdown-timeout", "TALENTD_SHUTDOWN_TIMEOUT", 15*time.Second, "how long to let in-flight requests finish on shutdown")
	e.boolean(&demo, "demo", "TALENTD_DEMO", "load the demo district and demo accounts on first start")
	if done, err := e.parse(args); done || err != nil {
		return err
	}
	if e.fs.NArg() > 0 {
		return e.misuse("serve takes no arguments, only flags")
	}
	if err := c.checkPayer(e, demo); err != nil {
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
	go expireHousingOffers(ctx, svc.housing, time.Hour, log)
	go purgeIdempotencyKeys(ctx, db.DB, time.Hour, log)
	fmt.Fprintf(stdout, "talentd listening on http://%s (API docs at /docs)\n", displayAddr(ln.Addr()))
	log.Info("listening", "addr", ln.Addr().String(), "version", versionString())

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
	e := newFlags("migrate [flags] [up|status]", "Applies the embedded migrations (up, the default) or lists them with their state (status).",
		getenv, stdout)
	databaseFlags(e, &c)
	if done, err := e.parse(args); done || err != nil {
		return err
	}
	action := "up"
	if e.fs.NArg() > 0 {
		action = e.fs.Arg(0)
	}
	if action != "up" && action != "status" || e.fs.NArg() > 1 {
		return e.misuse("migrate takes up or status, not " + strings.Join(e.fs.Args(), " "))
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
	e := newFlags("seed --demo [flags]", "Loads the demo district as it stands today: its enterprises, registered talent, green cards,\n"+
		"service uses and agent requests, dated relative to the day it is loaded, and one account per role\n"+
		"(printed, with their password). Idempotent: once loaded, on any day, it adds nothing.", getenv, stdout)
	e.boolean(&demo, "demo", "", "load the demo data set")
	databaseFlags(e, &c)
	cardFlags(e, &c)
	payerFlags(e, &c)
	if done, err := e.parse(args); done || err != nil {
		return err
	}
	if !demo || e.fs.NArg() > 0 {
		return e.misuse("seed needs --demo (the only data set so far) and no arguments")
	}
	if err := c.checkPayer(e, demo); err != nil {
		return err
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
	e := newFlags("reencrypt [flags]", "Re-seals every encrypted value (identity numbers, card signing keys) under TALENTD_ENCRYPTION_KEY;\n"+
		"keep the previous key in TALENTD_ENCRYPTION_OLD_KEYS until this reports 0 for every kind.", getenv, stdout)
	databaseFlags(e, &c)
	if done, err := e.parse(args); done || err != nil {
		return err
	}
	if e.fs.NArg() > 0 {
		return e.misuse("reencrypt takes no arguments, only flags")
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
		{"housing applicant identity numbers and round seeds", s.housing.Reencrypt},
		{"subsidy payout bank account numbers", s.subsidy.Reencrypt},
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

// keyActions are what `talentd keys` does.
var keyActions = []action{
	{"rotate", "make a new active signing key; the old one is retired and keeps verifying the cards it signed"},
	{"list", "list the signing keys with their status"},
}

func cmdKeys(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	sub, rest, done, err := actionOf("keys", "Rotates or lists the green card signing keys.", keyActions, args, stdout)
	if done || err != nil {
		return err
	}
	var c config
	e := newFlags("keys "+sub+" [flags]", actionSummary(keyActions, sub), getenv, stdout)
	databaseFlags(e, &c)
	if done, err := e.parse(rest); done || err != nil {
		return err
	}
	if e.fs.NArg() > 0 {
		return e.misuse("keys " + sub + " takes no arguments, only flags")
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

func cmdOpenAPI(_ context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var asYAML bool
	e := newFlags("openapi [--yaml]", "Prints the OpenAPI 3.1 document of the HTTP API (what /openapi.json serves), without\n"+
		"touching a database.", getenv, stdout)
	e.boolean(&asYAML, "yaml", "", "print YAML instead of JSON")
	if done, err := e.parse(args); done || err != nil {
		return err
	}
	if e.fs.NArg() > 0 {
		return e.misuse("openapi takes no arguments, only --yaml")
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

// accountActions are what `talentd accounts` does.
var accountActions = []action{
	{"create", "create a sign-in account (for instance the first administrator)"},
	{"list", "list every account with its role and whether it is active"},
	{"disable", "disable an account; its sessions and API keys are revoked"},
}

func cmdAccounts(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	sub, args, done, err := actionOf("accounts", "Manages sign-in accounts directly in the database, beside a running server or without one.",
		accountActions, args, stdout)
	if done || err != nil {
		return err
	}
	var c config
	var username, password, role, displayName string
	var enterpriseID int64
	e := newFlags("accounts "+sub+" [flags]", actionSummary(accountActions, sub), getenv, stdout)
	switch sub {
	case "create":
		e.str(&username, "username", "", "", "sign-in name: lower-case letters, digits, . _ -")
		e.str(&password, "password", "", "", "password (10 to 128 characters); prefer $TALENTD_NEW_PASSWORD to keep it out of the shell history")
		e.str(&role, "role", "", "", "one of "+rolesList())
		e.str(&displayName, "display-name", "", "", "name shown in the audit log (defaults to the username)")
		e.int64(&enterpriseID, "enterprise", 0, "enterprise id (required for enterprise_hr)")
		e.envOnly = append(e.envOnly, envVar{"TALENTD_NEW_PASSWORD", "the new account's password when --password is not given"})
	case "disable":
		e.str(&username, "username", "", "", "account to disable")
	}
	databaseFlags(e, &c)
	if done, err := e.parse(args); done || err != nil {
		return err
	}
	if e.fs.NArg() > 0 {
		return e.misuse("accounts " + sub + " takes no arguments, only flags")
	}
	if sub == "create" {
		if password == "" {
			password = getenv("TALENTD_NEW_PASSWORD")
		}
		if username == "" || password == "" || role == "" {
			return e.misuse("accounts create needs --username, --password (or $TALENTD_NEW_PASSWORD) and --role")
		}
	}
	if sub == "disable" && username == "" {
		return e.misuse("accounts disable needs --username")
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

// actionSummary is the summary of the named action, which exists.
func actionSummary(actions []action, name string) string {
	for _, a := range actions {
		if a.name == name {
			return strings.ToUpper(a.summary[:1]) + a.summary[1:] + "."
		}
	}
	return ""
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
