package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"strings"
	"testing"

	"talentd/internal/pgtest"
	"talentd/talent"
)

func env(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func TestRun_OpenAPIAndVersion(t *testing.T) {
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
	out.Reset()
	if err := run(context.Background(), []string{"talentd", "version"}, env(nil), &out); err != nil || !strings.HasPrefix(out.String(), "talentd ") {
		t.Errorf("version: %v %q", err, out.String())
	}
}

func TestRun_UsageErrors(t *testing.T) {
	var out bytes.Buffer
	for _, args := range [][]string{{"talentd"}, {"talentd", "frobnicate"}, {"talentd", "migrate", "sideways"},
		{"talentd", "seed"}, {"talentd", "accounts"}, {"talentd", "accounts", "create"}} {
		err := run(context.Background(), args, env(map[string]string{"TALENTD_DATABASE_URL": "postgres://unused"}), &out)
		if exitCode(err) != 2 {
			t.Errorf("%v: exit code %d (%v), want 2", args, exitCode(err), err)
		}
	}
	err := run(context.Background(), []string{"talentd", "serve", "--help"}, env(nil), &out)
	if !errors.Is(err, flag.ErrHelp) || exitCode(err) != 0 || !strings.Contains(out.String(), "TALENTD_ADDR") {
		t.Errorf("serve --help: %v\n%s", err, out.String())
	}
	err = run(context.Background(), []string{"talentd", "migrate"}, env(map[string]string{"TALENTD_DB_MAX_OPEN_CONNS": "many"}), &out)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "TALENTD_DB_MAX_OPEN_CONNS") {
		t.Errorf("bad environment value: %v", err)
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
