package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"talentd/talent"
)

// TestEndToEnd builds the binary and runs it as an operator would: bootstrap an admin on a fresh
// private cluster, serve, sign in, create an enterprise, stop with SIGTERM, start again and find
// the data (and the session, whose pepper was generated on first start) still there.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts PostgreSQL")
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "talentd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dataDir := reachableTempDir(t)
	env := []string{"TALENTD_DATA_DIR=" + dataDir, "TALENTD_ADDR=127.0.0.1:0", "TALENTD_LOG_FORMAT=json"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TALENTD_") {
			env = append(env, kv)
		}
	}

	out, err := command(bin, env, "accounts", "create", "--username", "root-admin", "--password",
		"bootstrap-password", "--role", "admin").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "created account") {
		t.Fatalf("accounts create: %v\n%s", err, out)
	}

	base, stop := startServe(t, bin, env)
	var login struct {
		Token string `json:"token"`
	}
	r := httpCall(t, "POST", base+"/v1/auth/login", "", `{"username":"root-admin","password":"bootstrap-password"}`)
	mustStatus(t, r, http.StatusOK, "login")
	if err := json.Unmarshal(r.Body, &login); err != nil {
		t.Fatal(err)
	}
	uscc := talent.DemoEnterpriseInputs()[5].USCC
	r = httpCall(t, "POST", base+"/v1/enterprises", login.Token,
		`{"name":"重庆端到端测试有限公司","uscc":"`+uscc+`","key_enterprise":true}`)
	mustStatus(t, r, http.StatusCreated, "create enterprise")
	var ent struct {
		ID int64 `json:"id"`
	}
	_ = json.Unmarshal(r.Body, &ent)

	r = httpCall(t, "GET", base+"/docs", "", "")
	mustStatus(t, r, http.StatusOK, "docs")
	if !bytes.Contains(r.Body, []byte("<html")) {
		t.Error("/docs is not an HTML page")
	}
	r = httpCall(t, "GET", base+"/openapi.json", "", "")
	mustStatus(t, r, http.StatusOK, "openapi.json")
	if !bytes.Contains(r.Body, []byte(`"openapi":"3.1.0"`)) || !bytes.Contains(r.Body, []byte(`/v1/enterprises`)) {
		t.Error("openapi.json lacks the version or the operations")
	}
	mustStatus(t, httpCall(t, "GET", base+"/openapi.yaml", "", ""), http.StatusOK, "openapi.yaml")
	mustStatus(t, httpCall(t, "GET", base+"/readyz", "", ""), http.StatusOK, "readyz")
	r = httpCall(t, "GET", base+"/metrics", "", "")
	for _, want := range []string{`talentd_http_requests_total{method="POST",operation="create-enterprise",status="201"} 1`,
		"talentd_http_request_duration_seconds_bucket", `go_sql_max_open_connections{db_name="talentd"} 20`} {
		if !bytes.Contains(r.Body, []byte(want)) {
			t.Errorf("metrics lack %s", want)
		}
	}
	logs := stop()
	if strings.Contains(logs, "bootstrap-password") || strings.Contains(logs, login.Token) {
		t.Error("a password or token reached the log")
	}
	if _, err := os.Stat(filepath.Join(dataDir, "pg", "postmaster.pid")); !os.IsNotExist(err) {
		t.Error("the private cluster is still running after SIGTERM")
	}

	base, stop = startServe(t, bin, env)
	r = httpCall(t, "GET", base+"/v1/enterprises/"+jsonNumber(ent.ID), login.Token, "")
	mustStatus(t, r, http.StatusOK, "enterprise after restart (same session)")
	if !bytes.Contains(r.Body, []byte("重庆端到端测试有限公司")) {
		t.Errorf("enterprise lost: %s", r.Body)
	}
	stop()
}

func command(bin string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	return cmd
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startServe starts `talentd serve` and waits until it listens; stop sends SIGTERM, checks a
// clean exit and returns what it logged.
func startServe(t *testing.T, bin string, env []string) (base string, stop func() string) {
	t.Helper()
	s := startServeAsync(t, bin, env)
	if s.base == "" {
		t.FailNow() // startServeAsync said why
	}
	return s.base, s.stop
}

func httpCall(t *testing.T, method, url, token, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: raw}
}

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }

// reachableTempDir is a temp dir that PostgreSQL's unprivileged user can enter when the tests run
// as root (Go creates temp dirs 0700).
func reachableTempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for d := dir; d != filepath.Dir(d) && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
