package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"

	"talentd/internal/postgres"
)

// ErrNoPGBench is returned by PGBench when pgbench is installed neither beside the PostgreSQL
// server programs nor on PATH.
var ErrNoPGBench = errors.New("pgtest: pgbench not found beside the PostgreSQL programs or on PATH")

// tpsLine is the throughput line pgbench prints at the end of a run.
var tpsLine = regexp.MustCompile(`(?m)^tps = ([0-9.]+)`)

// pgbenchPath finds pgbench: beside the server programs (so that its version matches theirs), else
// on PATH.
func pgbenchPath() (string, error) {
	if dir, err := postgres.FindBinaries(); err == nil {
		if p, err := exec.LookPath(filepath.Join(dir, "pgbench")); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	return "", ErrNoPGBench
}

// PGBench is the yardstick benchmarks compare talentd's throughput with, measured against the
// same server in the same run: it fills the database at url with pgbench's tables (pgbench -i -q
// -s scale), runs pgbench with args (such as "-N", "-M", "prepared", "-c", "8", "-j", "2", "-T",
// "10") and returns the transactions per second it reports. url is a database of its own (NewURL),
// since the tables are created in it. It returns ErrNoPGBench when pgbench is not installed.
func PGBench(ctx context.Context, url string, scale int, args ...string) (float64, error) {
	bin, err := pgbenchPath()
	if err != nil {
		return 0, err
	}
	if out, err := exec.CommandContext(ctx, bin, "-i", "-q", "-s", strconv.Itoa(scale), url).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("pgbench -i: %w\n%s", err, out)
	}
	out, err := exec.CommandContext(ctx, bin, append(args, url)...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("pgbench %v: %w\n%s", args, err, out)
	}
	m := tpsLine.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no tps in the output of pgbench %v:\n%s", args, out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}
