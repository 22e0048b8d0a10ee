package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"talentd/internal/iso20022"
	"talentd/subsidy"
)

// TestPayerFlags: the payer comes from the three flags or their variables together, is the demo
// district's with --demo when none is given, and is absent otherwise; a partial or malformed
// payer is a usage error naming the flag.
func TestPayerFlags(t *testing.T) {
	good := iso20022.Party{Name: "某区财政局", Account: iso20022.Account{Number: "50001083600050209999"},
		Agent: iso20022.Agent{CNAPS: "105653000017"}}
	goodArgs := []string{"--payer-name", good.Name, "--payer-account", good.Account.Number, "--payer-cnaps", good.Agent.CNAPS}
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		demo    bool
		want    iso20022.Party
		wantErr string // a part of the usage error; "" for none
	}{
		{name: "none", want: iso20022.Party{}},
		{name: "demo default", demo: true, want: subsidy.DemoPayer},
		{name: "flags", args: goodArgs, want: good},
		{name: "flags win over demo", args: goodArgs, demo: true, want: good},
		{name: "environment", env: map[string]string{"TALENTD_PAYER_NAME": good.Name, "TALENTD_PAYER_ACCOUNT": good.Account.Number,
			"TALENTD_PAYER_CNAPS": good.Agent.CNAPS}, want: good},
		{name: "partial", args: []string{"--payer-name", good.Name}, demo: true, wantErr: "together"},
		{name: "partial environment", env: map[string]string{"TALENTD_PAYER_CNAPS": good.Agent.CNAPS}, wantErr: "together"},
		{name: "short cnaps", args: []string{"--payer-name", good.Name, "--payer-account", good.Account.Number, "--payer-cnaps", "10565300001"},
			wantErr: "--payer-cnaps: "},
		{name: "account with dashes", args: []string{"--payer-name", good.Name, "--payer-account", "5000-1083-6000", "--payer-cnaps",
			good.Agent.CNAPS}, wantErr: "--payer-account: "},
		{name: "blank name", args: []string{"--payer-name", " ", "--payer-account", good.Account.Number, "--payer-cnaps",
			good.Agent.CNAPS}, wantErr: "--payer-name: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var cfg config
			e := newFlags("serve [flags]", "", env(c.env), io.Discard)
			payerFlags(e, &cfg)
			if _, err := e.parse(c.args); err != nil {
				t.Fatal(err)
			}
			err := cfg.checkPayer(e, c.demo)
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("err = %v", err)
			case c.wantErr != "" && (exitCode(err) != 2 || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("err = %v, want a usage error with %q", err, c.wantErr)
			case c.wantErr == "" && cfg.Payer != c.want:
				t.Fatalf("payer = %+v, want %+v", cfg.Payer, c.want)
			}
		})
	}
	// serve refuses a malformed payer before it touches a database.
	err := run(context.Background(), []string{"talentd", "serve", "--payer-name", good.Name, "--payer-account", "x",
		"--payer-cnaps", good.Agent.CNAPS}, env(map[string]string{"TALENTD_DATABASE_URL": "postgres://unused"}), io.Discard)
	var w withUsage
	if exitCode(err) != 2 || !errors.As(err, &w) || !strings.Contains(w.usage, "--payer-cnaps") || !strings.Contains(w.usage, "TALENTD_PAYER_ACCOUNT") {
		t.Errorf("serve with a malformed payer: %v", err)
	}
}

// TestSubsidyPayoutRuns_NoPayer: a server configured without a payer makes runs but refuses their
// pain.001 file with 409 payer_not_configured in the reader's language, and the run stays created.
func TestSubsidyPayoutRuns_NoPayer(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	bare := e.otherServer(t, &config{})

	prog := e.createSubsidyProgramme(t, subsidyProgrammeBody("run_no_payer", 100_000_000))
	ids := e.approvedSubsidyPayouts(t, prog, 150_000)
	r := bare.call("POST", "/v1/subsidy/payout-runs", "finance", map[string]any{"payout_ids": ids, "control_count": 1,
		"control_sum_fen": 150_000}, "Idempotency-Key", "no-payer-1")
	mustStatus(t, r, http.StatusCreated, "create run without a payer")
	path := fmt.Sprintf("/v1/subsidy/payout-runs/%v/pain.001.xml", r.json(t)["id"])
	for lang, want := range map[string]string{"en": "not configured", "zh-CN": "尚未配置付款单位"} {
		r = bare.call("GET", path, "finance", nil, "Accept-Language", lang)
		mustStatus(t, r, http.StatusConflict, "pain.001 without a payer")
		if got := r.json(t); got["code"] != "payer_not_configured" || !strings.Contains(fmt.Sprint(got["detail"]), want) {
			t.Errorf("%s: %s", lang, r.Body)
		}
	}
	if n := e.count(`SELECT count(*) FROM subsidy_payout_runs WHERE status = 'created' AND exported_at IS NULL`); n != 1 {
		t.Errorf("the refused export changed the run")
	}
	// The server with the demo's payer writes the same run's file.
	mustStatus(t, e.call("GET", path, "finance", nil), http.StatusOK, "pain.001 with the demo payer")
}
