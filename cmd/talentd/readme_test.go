package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"talentd/internal/pgtest"
)

// readmeBase is the address the README's examples call; the test substitutes its own server's.
const readmeBase = "http://localhost:8080"

// readmeBlock is one fenced sh block of the README and the line its text starts on.
type readmeBlock struct {
	line int
	text string
}

// readmeBlocks returns the README's fenced blocks marked sh, in order: those are the examples
// that must run as written. Other shell snippets are marked console or text.
func readmeBlocks(t *testing.T, path string) []readmeBlock {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks []readmeBlock
	var cur *readmeBlock
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && line == "```sh":
			cur = &readmeBlock{line: n + 1}
		case cur != nil && line == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Fatalf("%s: the sh block from line %d is not closed", path, cur.line)
	}
	return blocks
}

// TestREADME_Examples runs every sh block of the README, in order, as one bash script against a
// fresh `talentd serve --demo` built from this tree (with bin/talentd beside the script, as
// `make build` leaves it): a failing command, or an HTTP answer of 400 or more, fails the test.
func TestREADME_Examples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and loads the demo district")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	t.Parallel()
	blocks := readmeBlocks(t, filepath.Join("..", "..", "README.md"))
	if len(blocks) < 3 {
		t.Fatalf("the README has %d sh blocks; its examples are sh blocks", len(blocks))
	}
	for _, b := range blocks {
		// Without -f, curl exits 0 on a 4xx or 5xx answer and the example would pass unnoticed.
		if strings.Count(b.text, "curl ") != strings.Count(b.text, "curl -fsS ") {
			t.Errorf("README.md line %d: every curl in an example must start with curl -fsS:\n%s", b.line, b.text)
		}
	}

	work := t.TempDir()
	bin := filepath.Join(work, "bin", "talentd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	env := []string{"TALENTD_DATABASE_URL=" + pgtest.NewURL(t), "TALENTD_DATA_DIR=" + t.TempDir(), "TALENTD_LOG_LEVEL=warn"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TALENTD_") {
			env = append(env, kv)
		}
	}
	base, stop := startServe(t, bin, append(slices.Clone(env), "TALENTD_ADDR=127.0.0.1:0", "TALENTD_DEMO=true"))
	defer stop()

	var script strings.Builder
	script.WriteString("set -euo pipefail\nshopt -s inherit_errexit\n")
	for i, b := range blocks {
		fmt.Fprintf(&script, "echo '>>> README.md sh block %d, line %d' >&2\n", i+1, b.line)
		script.WriteString(strings.ReplaceAll(b.text, readmeBase, base))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bash, "-c", script.String())
	cmd.Dir, cmd.Env = work, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's examples failed (%v); the last block announced is the one that failed:\n%s", err, out)
	}
}
