package postgres

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// envHoldCluster makes the test binary, re-run as a helper, join the cluster in that data
// directory and hold it until killed: another talentd process, as far as the locks can tell.
const envHoldCluster = "TALENTD_TEST_HOLD_CLUSTER"

// TestHelperHoldCluster is not a test: it is the body of the helper process (see holdInProcess).
func TestHelperHoldCluster(t *testing.T) {
	dir := os.Getenv(envHoldCluster)
	if dir == "" {
		t.Skip("helper process for the shared-cluster tests")
	}
	c, err := StartCluster(context.Background(), dir, "talentd", nil)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("holding", c.URL())
	time.Sleep(time.Hour)
}

// holdInProcess starts a helper process that uses the cluster in dataDir; kill ends it as a
// crash would (SIGKILL: no Stop, only the kernel releasing its locks).
func holdInProcess(t *testing.T, dataDir string) (kill func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldCluster$")
	cmd.Env = append(os.Environ(), envHoldCluster+"="+dataDir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	kill = func() {
		if !killed {
			killed = true
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}
	t.Cleanup(kill)
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "holding ") {
			return kill
		}
		if strings.HasPrefix(sc.Text(), "error:") {
			t.Fatalf("helper: %s", sc.Text())
		}
	}
	t.Fatalf("helper ended without joining the cluster: %s", stderr.String())
	return nil
}

// stopServerAtCleanup makes sure no server outlives the test, whatever it did to the locks.
func stopServerAtCleanup(t *testing.T, dataDir string) {
	t.Helper()
	c, err := newCluster(filepath.Join(dataDir, "pg"), "talentd", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := os.Stat(filepath.Join(c.dir, "postmaster.pid")); err == nil {
			c.run(context.Background(), "pg_ctl", "stop", "-w", "-m", "immediate", "-D", c.dir)
		}
	})
}

func serverRunning(t *testing.T, dataDir string) bool {
	t.Helper()
	c, err := newCluster(filepath.Join(dataDir, "pg"), "talentd", nil)
	if err != nil {
		t.Fatal(err)
	}
	running, _, err := c.status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return running
}

// TestStartCluster_SharedUntilLastLeaves: two talentd processes on one data directory; whichever
// stops first, the server keeps running for the other, and the last one out stops it.
func TestStartCluster_SharedUntilLastLeaves(t *testing.T) {
	needBinaries(t)
	ctx := t.Context()
	dataDir := clusterParent(t)
	stopServerAtCleanup(t, dataDir)

	t.Run("StarterLeavesFirst", func(t *testing.T) {
		c, err := StartCluster(ctx, dataDir, "talentd", nil)
		if err != nil {
			t.Fatal(err)
		}
		kill := holdInProcess(t, dataDir)
		stopCluster(t, c)
		if err := connectCluster(t, c).PingContext(ctx); err != nil {
			t.Fatalf("the starter's Stop took the server from under another process: %v", err)
		}
		// The other process crashes: its lock goes with it, the server stays up (nobody stopped
		// it), and the next talentd to leave it last stops it.
		kill()
		if !serverRunning(t, dataDir) {
			t.Fatal("server gone with the process that only used it")
		}
		again, err := StartCluster(ctx, dataDir, "talentd", nil)
		if err != nil {
			t.Fatal(err)
		}
		stopCluster(t, again)
		if serverRunning(t, dataDir) {
			t.Fatal("the last talentd left the server running")
		}
	})

	t.Run("StarterCrashes", func(t *testing.T) {
		kill := holdInProcess(t, dataDir) // starts the server
		c, err := StartCluster(ctx, dataDir, "talentd", nil)
		if err != nil {
			t.Fatal(err)
		}
		kill()
		if err := connectCluster(t, c).PingContext(ctx); err != nil {
			t.Fatalf("server gone with its starter's crash: %v", err)
		}
		stopCluster(t, c)
		if serverRunning(t, dataDir) {
			t.Fatal("the last talentd did not stop the server a crashed talentd had started")
		}
	})
}

// TestStartCluster_ConcurrentOnEmptyDir: processes starting at once on a data directory that
// does not exist yet run initdb once and all end up on the one server.
func TestStartCluster_ConcurrentOnEmptyDir(t *testing.T) {
	needBinaries(t)
	ctx := t.Context()
	dataDir := filepath.Join(clusterParent(t), "data")
	stopServerAtCleanup(t, dataDir)
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))

	const n = 3
	clusters := make([]*Cluster, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { clusters[i], errs[i] = StartCluster(ctx, dataDir, "talentd", logger) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if k := strings.Count(logs.String(), "initialising cluster"); k != 1 {
		t.Errorf("initdb ran %d times:\n%s", k, logs.String())
	}
	if k := strings.Count(logs.String(), "starting cluster"); k != 1 {
		t.Errorf("the server was started %d times:\n%s", k, logs.String())
	}
	for _, c := range clusters[1:] {
		if c.URL() != clusters[0].URL() {
			t.Errorf("URL %q, want %q", c.URL(), clusters[0].URL())
		}
	}
	for i, c := range clusters {
		if err := connectCluster(t, c).PingContext(ctx); err != nil {
			t.Fatalf("cluster %d: %v", i, err)
		}
		stopCluster(t, c)
		if last := i == n-1; serverRunning(t, dataDir) == last {
			t.Fatalf("after %d of %d stopped, running = %t", i+1, n, !last)
		}
	}
}

// TestStartCluster_ForeignServerLeftRunning: a server someone started by hand in the data
// directory is used, but never stopped, by talentd.
func TestStartCluster_ForeignServerLeftRunning(t *testing.T) {
	needBinaries(t)
	ctx := t.Context()
	dataDir := clusterParent(t)
	stopServerAtCleanup(t, dataDir)
	c, err := StartCluster(ctx, dataDir, "talentd", nil)
	if err != nil {
		t.Fatal(err)
	}
	stopCluster(t, c)
	out, err := c.run(ctx, "pg_ctl", "start", "-w", "-D", c.dir, "-l", filepath.Join(c.dir, "by-hand.log"),
		"-o", "-p 5432 -h '' -k "+shellQuote(c.dir))
	if err != nil {
		t.Fatalf("pg_ctl start: %v: %s", err, out)
	}
	again, err := StartCluster(ctx, dataDir, "talentd", nil)
	if err != nil {
		t.Fatal(err)
	}
	stopCluster(t, again)
	if !serverRunning(t, dataDir) {
		t.Fatal("talentd stopped a server it had not started")
	}
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
