package postgres

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	_ "github.com/lib/pq"
)

// needBinaries skips on a developer machine without PostgreSQL, but never in CI, where a
// missing server would otherwise hide every test below.
func needBinaries(t *testing.T) {
	t.Helper()
	if _, err := FindBinaries(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

// clusterParent returns a fresh directory the server's user can reach: as root, t.TempDir's
// own parent is mode 0700.
func clusterParent(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if os.Geteuid() == 0 {
		for _, d := range []string{dir, filepath.Dir(dir)} {
			if err := os.Chmod(d, 0o711); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func connectCluster(t *testing.T, c *Cluster) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", c.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func stopCluster(t *testing.T, c *Cluster) {
	t.Helper()
	if err := c.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestStartCluster(t *testing.T) {
	needBinaries(t)
	ctx := t.Context()
	dataDir := clusterParent(t)

	c, err := StartCluster(ctx, dataDir, "talentd", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c != nil {
			c.Stop(context.Background())
		}
	})
	if !strings.HasPrefix(c.URL(), "postgres://talentd@/talentd?host=/") {
		t.Errorf("URL() = %q", c.URL())
	}
	db := connectCluster(t, c)
	if _, err := db.ExecContext(ctx, `CREATE TABLE survivor (v text); INSERT INTO survivor VALUES ('kept')`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	t.Run("ReuseRunning", func(t *testing.T) {
		again, err := StartCluster(ctx, dataDir, "talentd", nil)
		if err != nil {
			t.Fatal(err)
		}
		if again.URL() != c.URL() {
			t.Errorf("reused URL = %q, want %q", again.URL(), c.URL())
		}
		stopCluster(t, again)
		// The server belongs to the first Cluster: the second one's Stop must leave it running.
		if err := connectCluster(t, c).PingContext(ctx); err != nil {
			t.Fatalf("server gone after Stop of a Cluster that only reused it: %v", err)
		}
	})

	t.Run("DataSurvivesRestart", func(t *testing.T) {
		stopCluster(t, c)
		if err := connectCluster(t, c).PingContext(ctx); err == nil {
			t.Fatal("server still answers after Stop")
		}
		c, err = StartCluster(ctx, dataDir, "talentd", nil)
		if err != nil {
			t.Fatal(err)
		}
		var v string
		if err := connectCluster(t, c).QueryRowContext(ctx, `SELECT v FROM survivor`).Scan(&v); err != nil || v != "kept" {
			t.Fatalf("after restart: %q, %v", v, err)
		}
	})

	t.Run("StalePostmasterPid", func(t *testing.T) {
		stopCluster(t, c)
		pidFile := filepath.Join(dataDir, "pg", "postmaster.pid")
		bogus := strconv.Itoa(deadPid(t)) + "\n" + filepath.Join(dataDir, "pg") + "\n1700000000\n5432\n/nonexistent\n\n"
		if err := os.WriteFile(pidFile, []byte(bogus), 0o600); err != nil {
			t.Fatal(err)
		}
		if c.cred != nil {
			if err := os.Chown(pidFile, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
				t.Fatal(err)
			}
		}
		c, err = StartCluster(ctx, dataDir, "talentd", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := connectCluster(t, c).PingContext(ctx); err != nil {
			t.Fatal(err)
		}
		stopCluster(t, c)
	})
}

// deadPid returns the pid of a process that has exited.
func deadPid(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if processAlive(pid) {
		t.Skip("pid reused at once")
	}
	return pid
}

func TestStartCluster_LongPath(t *testing.T) {
	needBinaries(t)
	ctx := t.Context()
	dataDir := filepath.Join(clusterParent(t), strings.Repeat("a-rather-long-directory-name/", 4))

	c, err := StartCluster(ctx, dataDir, "talentd", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop(context.Background()) })
	sock := c.sockDir
	if strings.HasPrefix(sock, dataDir) {
		t.Fatalf("socket dir %s is inside the too-deep data dir", sock)
	}
	if err := connectCluster(t, c).PingContext(ctx); err != nil {
		t.Fatal(err)
	}

	// Another process finds the temp socket through postmaster.pid.
	again, err := StartCluster(ctx, dataDir, "talentd", nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.URL() != c.URL() {
		t.Errorf("reused URL = %q, want %q", again.URL(), c.URL())
	}

	// The starter leaves first: the socket stays for the one still using the server, which
	// then stops the server and removes the socket directory the starter made.
	stopCluster(t, c)
	if err := connectCluster(t, again).PingContext(ctx); err != nil {
		t.Fatalf("server gone while another user remains: %v", err)
	}
	stopCluster(t, again)
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temp socket dir %s left behind: %v", sock, err)
	}
}

func TestStartCluster_ParentNotReachable(t *testing.T) {
	needBinaries(t)
	if os.Geteuid() != 0 {
		t.Skip("only root runs the server as another user")
	}
	closed := filepath.Join(clusterParent(t), "closed")
	if err := os.Mkdir(closed, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := StartCluster(t.Context(), filepath.Join(closed, "data"), "talentd", nil)
	if err == nil {
		t.Fatal("StartCluster succeeded under a 0700 parent")
	}
	if want := "chmod o+x " + closed; !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not say %q", err, want)
	}
	if _, err := os.Stat(filepath.Join(closed, "data")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("data directory created despite the error: %v", err)
	}
}

func TestStartTempCluster(t *testing.T) {
	needBinaries(t)
	ctx := t.Context()
	c, err := StartTempCluster(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	root := c.tempRoot
	t.Cleanup(func() { c.Remove(context.Background()) })
	var fsync string
	if err := connectCluster(t, c).QueryRowContext(ctx, `SHOW fsync`).Scan(&fsync); err != nil || fsync != "off" {
		t.Fatalf("fsync = %q, %v", fsync, err)
	}
	if err := c.Remove(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(root); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temp cluster %s left behind: %v", root, err)
	}

	t.Run("RemoveRefusesRealCluster", func(t *testing.T) {
		if err := (&Cluster{}).Remove(ctx); err == nil {
			t.Fatal("Remove accepted a cluster not made by StartTempCluster")
		}
	})
}
