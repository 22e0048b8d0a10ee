package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"talentd/internal/pgtest"
	"talentd/talent"
)

func env(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func TestRun_OpenAPI(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"talentd", "openapi"}, env(nil), &out); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil || doc.OpenAPI != "3.1.0" || doc.Paths["/v1/enterprises"] == nil {
		t.Errorf("openapi output: %v %.200s", err, out.String())
	}
	out.Reset()
	err := run(context.Background(), []string{"talentd", "openapi", "--yaml"}, env(nil), &out)
	if err != nil || !strings.Contains(out.String(), "openapi: 3.1.0") {
		t.Errorf("openapi --yaml: %v %.100s", err, out.String())
	}
}

func TestRun_UsageErrors(t *testing.T) {
	for _, args := range [][]string{{"talentd"}, {"talentd", "frobnicate"}, {"talentd", "migrate", "sideways"},
		{"talentd", "seed"}, {"talentd", "accounts"}, {"talentd", "accounts", "create"}, {"talentd", "accounts", "rename"},
		{"talentd", "keys"}, {"talentd", "serve", "--bogus"}, {"talentd", "serve", "extra"}, {"talentd", "help", "frobnicate"},
		{"talentd", "openapi", "--yaml=maybe"}} {
		var out bytes.Buffer
		err := run(context.Background(), args, env(map[string]string{"TALENTD_DATABASE_URL": "postgres://unused"}), &out)
		var w withUsage
		if exitCode(err) != 2 || !errors.As(err, &w) || !strings.HasPrefix(w.usage, "usage: talentd ") && !strings.Contains(w.usage, "commands:") {
			t.Errorf("%v: exit code %d (%v), want 2 with the usage", args, exitCode(err), err)
		}
		if out.Len() != 0 {
			t.Errorf("%v: a mistake printed on stdout: %q", args, out.String())
		}
	}
	for name, value := range map[string]string{"TALENTD_DB_MAX_OPEN_CONNS": "many", "TALENTD_DEMO": "yes please", "TALENTD_SESSION_TTL": "a day"} {
		err := run(context.Background(), []string{"talentd", "serve"}, env(map[string]string{name: value}), io.Discard)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), name) {
			t.Errorf("bad environment value %s=%q: %v", name, value, err)
		}
	}
}

// helpOf runs talentd with args and returns what it printed, failing unless it succeeded.
func helpOf(t *testing.T, getenv func(string) string, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), append([]string{"talentd"}, args...), getenv, &out); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return out.String()
}

// TestRun_Help: every command and action prints its own help for --help, -h and `talentd help`,
// and succeeds; the overview lists every command; each help lists only its own flags, with their
// built-in defaults and variables, never a value from the environment.
func TestRun_Help(t *testing.T) {
	secretURL := "postgres://talentd:hunter2-secret@db.internal/talentd"
	getenv := env(map[string]string{"TALENTD_DATABASE_URL": secretURL, "TALENTD_ADDR": ":9999"})
	commands := [][]string{{"serve"}, {"migrate"}, {"seed"}, {"accounts"}, {"accounts", "create"}, {"accounts", "list"},
		{"accounts", "disable"}, {"keys"}, {"keys", "rotate"}, {"keys", "list"}, {"reencrypt"}, {"openapi"}, {"version"}}
	helps := map[string]string{}
	for _, cmd := range commands {
		name := strings.Join(cmd, " ")
		long := helpOf(t, getenv, append(slices.Clone(cmd), "--help")...)
		if !strings.HasPrefix(long, "usage: talentd "+name+" ") && !strings.HasPrefix(long, "usage: talentd "+name+"\n") {
			t.Errorf("%s --help starts %.60q", name, long)
		}
		for _, same := range [][]string{append(slices.Clone(cmd), "-h"), append([]string{"help"}, cmd...)} {
			if got := helpOf(t, getenv, same...); got != long {
				t.Errorf("%v differs from %s --help:\n%s", same, name, got)
			}
		}
		if strings.Contains(long, "hunter2") || strings.Contains(long, ":9999") {
			t.Errorf("%s --help shows a value from the environment:\n%s", name, long)
		}
		helps[name] = long
	}

	has := func(name string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(helps[name], w) {
				t.Errorf("%s --help lacks %q:\n%s", name, w, helps[name])
			}
		}
	}
	lacks := func(name string, unwanted ...string) {
		t.Helper()
		for _, u := range unwanted {
			if strings.Contains(helps[name], u) {
				t.Errorf("%s --help shows %q, not its own:\n%s", name, u, helps[name])
			}
		}
	}
	has("serve", "--addr string", `default ":8080"; $TALENTD_ADDR`, "--database-url", "$TALENTD_DATABASE_URL", `default "./data"`,
		"--db-max-open-conns", "default 20", "--session-ttl", "--shutdown-timeout", "--card-validity", "--demo", "$TALENTD_DEMO",
		"TALENTD_ENCRYPTION_KEY", "TALENTD_TOKEN_PEPPER")
	serveOnly := []string{"--addr", "--session-ttl", "--shutdown-timeout", "--db-max-open-conns", "$TALENTD_DEMO"}
	has("seed", "--demo", "--database-url", "--card-validity")
	lacks("seed", serveOnly...)
	has("migrate", "--database-url", "--data-dir", "up|status")
	lacks("migrate", append(serveOnly, "--demo", "--card-validity")...)
	has("accounts", "create", "list", "disable")
	lacks("accounts", "--username", "--database-url")
	has("accounts create", "--username", "--password", "--role", "--enterprise int", "TALENTD_NEW_PASSWORD", "--database-url")
	lacks("accounts create", append(serveOnly, "--card-validity")...)
	has("accounts disable", "--username")
	lacks("accounts disable", "--role", "TALENTD_NEW_PASSWORD")
	lacks("accounts list", "--username")
	has("keys rotate", "--database-url")
	lacks("keys list", append(serveOnly, "--card-validity", "--demo")...)
	has("reencrypt", "TALENTD_ENCRYPTION_OLD_KEYS")
	has("openapi", "--yaml")
	lacks("openapi", "--database-url", "TALENTD_")
	lacks("version", "--")

	overview := helpOf(t, getenv, "help")
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help", "help"}} {
		if got := helpOf(t, getenv, args...); got != overview {
			t.Errorf("%v differs from talentd help:\n%s", args, got)
		}
	}
	for _, c := range subcommands() {
		line := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(c.name) + ` .*\S`)
		if !line.MatchString(overview) {
			t.Errorf("the overview has no line for %s:\n%s", c.name, overview)
		}
	}
}

// TestDescribeVersion: the stamped version first, else the build's revision, else "devel".
func TestDescribeVersion(t *testing.T) {
	vcs := func(kv ...string) *debug.BuildInfo {
		info := &debug.BuildInfo{}
		for i := 0; i < len(kv); i += 2 {
			info.Settings = append(info.Settings, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return info
	}
	const rev = "9525b115dffda42960394a220494e0fdf344509c"
	for _, c := range []struct {
		stamped string
		info    *debug.BuildInfo
		want    string
	}{
		{"v1.4.0-3-gabcdef0-dirty", vcs("vcs.revision", rev), "v1.4.0-3-gabcdef0-dirty"},
		{"", vcs("vcs", "git", "vcs.revision", rev, "vcs.time", "2026-11-26T14:10:37Z", "vcs.modified", "false"),
			"9525b115dffd (2026-11-26T14:10:37Z)"},
		{"", vcs("vcs.revision", rev, "vcs.time", "2026-11-26T14:10:37Z", "vcs.modified", "true"),
			"9525b115dffd-dirty (2026-11-26T14:10:37Z)"},
		{"", vcs("-trimpath", "true"), "devel"},
		{"", nil, "devel"},
	} {
		if got := describeVersion(c.stamped, c.info); got != c.want {
			t.Errorf("describeVersion(%q, %v) = %q, want %q", c.stamped, c.info, got, c.want)
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"talentd", "version"}, env(nil), &out); err != nil || out.String() != "talentd "+versionString()+"\n" {
		t.Errorf("version: %v %q", err, out.String())
	}
}

// TestMain_HelpAndMistakes runs the built binary: help goes to stdout with exit status 0 and nothing
// on stderr; a mistake prints the error and the usage on stderr with status 2; the version is the
// one stamped at build time, as `make build` does.
func TestMain_HelpAndMistakes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "talentd")
	if out, err := exec.Command("go", "build", "-ldflags", "-X main.version=v9.8.7-test", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, c := range []struct {
		args           []string
		status         int
		stdout, stderr string // what each must start with ("" for empty)
	}{
		{[]string{"serve", "--help"}, 0, "usage: talentd serve [flags]", ""},
		{[]string{"help", "accounts", "create"}, 0, "usage: talentd accounts create [flags]", ""},
		{[]string{"--help"}, 0, "talentd — ", ""},
		{[]string{"version"}, 0, "talentd v9.8.7-test\n", ""},
		{[]string{"frobnicate"}, 2, "", "talentd: unknown command \"frobnicate\"\n\ntalentd — "},
		{nil, 2, "", "talentd: no command given\n\ntalentd — "},
		{[]string{"seed", "--demo", "--nope"}, 2, "", "talentd: flag provided but not defined: -nope\n\nusage: talentd seed --demo"},
	} {
		cmd := exec.Command(bin, c.args...)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		status := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			status = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if status != c.status || !strings.HasPrefix(stdout.String(), c.stdout) || (c.stdout == "") != (stdout.Len() == 0) ||
			!strings.HasPrefix(stderr.String(), c.stderr) || (c.stderr == "") != (stderr.Len() == 0) {
			t.Errorf("talentd %v: status %d\nstdout: %.300s\nstderr: %.300s", c.args, status, stdout.String(), stderr.String())
		}
	}
}

func TestRun_MigrateSeedAccounts(t *testing.T) {
	t.Parallel()
	e := env(map[string]string{"TALENTD_DATABASE_URL": pgtest.NewURL(t), "TALENTD_DATA_DIR": t.TempDir(),
		"TALENTD_LOG_LEVEL": "error"})
	var out bytes.Buffer
	ctx := context.Background()
	if err := run(ctx, []string{"talentd", "migrate", "status"}, e, &out); err != nil || !strings.Contains(out.String(), "00001_foundation.sql") {
		t.Fatalf("migrate status: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"talentd", "seed", "--demo"}, e, &out); err != nil || !strings.Contains(out.String(), "hr-060") {
		t.Fatalf("seed: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"talentd", "seed", "--demo"}, e, &out); err != nil || out.Len() != 0 {
		t.Errorf("second seed must create nothing and print nothing: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"talentd", "keys", "rotate"}, e, &out); err != nil || !strings.Contains(out.String(), "new active signing key") {
		t.Errorf("keys rotate: %v %q", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"talentd", "keys", "list"}, e, &out); err != nil || strings.Count(out.String(), "retired") != 2 || strings.Count(out.String(), "active") != 1 {
		t.Errorf("keys list after the demo's rotation and ours: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"talentd", "reencrypt"}, e, &out); err != nil || !strings.Contains(out.String(), "re-encrypted 0 ") {
		t.Errorf("reencrypt with nothing to do: %v %q", err, out.String())
	}
	out.Reset()
	err := run(ctx, []string{"talentd", "accounts", "create", "--username", "ops", "--password", "short", "--role", "admin"}, e, &out)
	if err == nil || !strings.Contains(err.Error(), "password") {
		t.Errorf("weak password: %v", err)
	}
	if err := run(ctx, []string{"talentd", "accounts", "disable", "--username", "finance"}, e, &out); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"talentd", "accounts", "list"}, e, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1+len(demoStaff)+talent.DemoEnterprises {
		t.Errorf("accounts list: %d lines", len(lines))
	}
	for _, l := range lines {
		if strings.Contains(l, " finance ") && !strings.Contains(l, "false") {
			t.Errorf("finance not disabled: %s", l)
		}
	}
}
