package postgres

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
)

// ErrNoBinaries reports that the PostgreSQL server programs a private cluster needs are not installed.
var ErrNoBinaries = errors.New("PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: " +
	"install Debian's package with `apt-get install postgresql` (or set a database URL to use an existing server)")

const (
	// clusterSuperuser is the role initdb creates; talentd connects as it over the socket.
	clusterSuperuser = "talentd"
	// serverUser is the unprivileged account Debian's postgresql package creates; initdb and
	// postgres refuse to run as root, so a root talentd runs them as this user.
	serverUser  = "postgres"
	clusterPort = 5432
	// maxSocketPath stays below the 107 bytes a unix socket path may have (sun_path), with room
	// to spare for lib/pq and the kernel's terminating NUL.
	maxSocketPath = 100
	tempPrefix    = "talentd-pg-"
	ownerFile     = "owner.pid"
	// usersLockFile, in talentd's data directory, is held with a shared flock by every process
	// using the cluster there, for as long as it does: the kernel drops a crashed process's lock.
	usersLockFile = "pg.users.lock"
	// startedFile, in talentd's data directory, names the server talentd started there, so that
	// whichever talentd leaves it last stops it, and a server someone else started is left alone.
	startedFile = "pg.started.json"
)

var serverBinaries = []string{"initdb", "pg_ctl", "postgres"}

// FindBinaries locates initdb, pg_ctl and postgres: PATH, then `pg_config --bindir`, then /usr/lib/postgresql/*/bin (highest version first).
func FindBinaries() (binDir string, err error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		// Debian links a version's programs into PATH (or users do): resolving the link finds the
		// directory that holds all three, which is also where pg_ctl itself looks for postgres.
		if real, err := filepath.EvalSymlinks(p); err == nil && hasBinaries(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
		if hasBinaries(filepath.Dir(p)) {
			return filepath.Dir(p), nil
		}
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if dir := strings.TrimSpace(string(out)); dir != "" && hasBinaries(dir) {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return versionOf(b) - versionOf(a) })
	for _, dir := range dirs {
		if hasBinaries(dir) {
			return dir, nil
		}
	}
	return "", ErrNoBinaries
}

// versionOf reads the major version out of /usr/lib/postgresql/<major>/bin, so that 16 sorts above 9.6.
func versionOf(binDir string) int {
	v, _, _ := strings.Cut(filepath.Base(filepath.Dir(binDir)), ".")
	n, err := strconv.Atoi(v)
	if err != nil {
		return -1
	}
	return n
}

func hasBinaries(dir string) bool {
	for _, name := range serverBinaries {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// Cluster is a PostgreSQL server that talentd runs itself, reachable only through a unix socket.
//
// Several talentd processes may use one data directory at once (serve, and `talentd accounts`
// from a shell; or two serve processes). Starting and stopping are serialised by an exclusive
// flock on the data directory; each process using the cluster holds a shared flock on
// usersLockFile, and only the last one to leave stops the server — whether or not it is the one
// that started it, as long as a talentd did (startedFile).
type Cluster struct {
	binDir string
	dir    string // the PostgreSQL data directory
	home   string // talentd's data directory (StartCluster); "" for a temp cluster
	dbName string
	logger *slog.Logger
	cred   *syscall.Credential // nil: run the server programs as the current user
	// extra are postgres command-line options, already quoted for the shell pg_ctl starts it with.
	extra []string

	mu       sync.Mutex
	sockDir  string
	port     int
	ownSock  bool     // sockDir is a temp dir made for this server, removed when it stops
	started  bool     // this Cluster started the server, so Stop must stop it
	tempRoot string   // set for StartTempCluster: the directory Remove deletes
	users    *os.File // holds this process's shared lock on usersLockFile while it uses the cluster
}

// StartCluster starts (initialising on first use) the cluster in dataDir/pg and makes sure database `dbName` exists.
// A server that is already running there (started by another talentd process) is reused. Stop
// leaves the server running while another process still uses it; the last talentd to stop stops
// it, unless it was started by something other than talentd.
func StartCluster(ctx context.Context, dataDir, dbName string, logger *slog.Logger) (*Cluster, error) {
	if dbName == "" {
		return nil, errors.New("postgres: empty database name")
	}
	dataDir, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("postgres: data directory: %w", err)
	}
	c, err := newCluster(filepath.Join(dataDir, "pg"), dbName, logger)
	if err != nil {
		return nil, err
	}
	c.home = dataDir
	// A root talentd must let the server's user traverse the data directory; nothing more.
	perm := os.FileMode(0o700)
	if c.cred != nil {
		if err := checkReachable(c.dir, c.cred); err != nil {
			return nil, err
		}
		perm = 0o711
	}
	if err := os.MkdirAll(dataDir, perm); err != nil {
		return nil, fmt.Errorf("postgres: data directory: %w", err)
	}
	// Two talentd processes starting at once must not both run initdb or pg_ctl start, nor may
	// one start the server while another is deciding to stop it.
	unlock, err := lockDir(ctx, dataDir, logger)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := c.start(ctx, false); err != nil {
		return nil, err
	}
	if err := c.join(ctx); err != nil {
		return nil, errors.Join(err, c.stop(context.WithoutCancel(ctx), "fast"))
	}
	if err := c.ensureDatabase(ctx); err != nil {
		return nil, errors.Join(err, c.leave(context.WithoutCancel(ctx)))
	}
	return c, nil
}

// join takes this process's shared lock on the users file; the caller holds the directory lock.
func (c *Cluster) join(ctx context.Context) error {
	f, err := os.OpenFile(filepath.Join(c.home, usersLockFile), os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("postgres: cluster users lock: %w", err)
	}
	// Exclusive holders hold the directory lock too, so this never waits for long.
	if err := flockWait(ctx, f, syscall.LOCK_SH, nil); err != nil {
		f.Close()
		return fmt.Errorf("postgres: cluster users lock: %w", err)
	}
	c.users = f
	return nil
}

// leave gives up this process's use of the cluster and, when no other process uses it, stops the
// server if a talentd started it. The caller holds the directory lock, so no process can join
// between the check and the stop.
func (c *Cluster) leave(ctx context.Context) error {
	if c.users == nil {
		return nil
	}
	defer func() {
		c.users.Close()
		c.users = nil
	}()
	// Converting the shared lock fails while any other process holds its own shared lock.
	err := syscall.Flock(int(c.users.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		c.logger.Info("postgres: cluster left running: other talentd processes use it", "dir", c.dir)
		c.started, c.ownSock = false, false
		return nil
	}
	if err != nil {
		return fmt.Errorf("postgres: cluster users lock: %w", err)
	}
	m, ok := c.startedByTalentd()
	if !ok {
		if c.started {
			c.logger.Warn("postgres: cluster not stopped: the server there is not the one talentd started", "dir", c.dir)
		}
		c.started, c.ownSock = false, false
		return nil
	}
	// The server may have been started by another talentd, which has left (or crashed) since;
	// its socket directory, if it made one, is now this process's to remove.
	c.started = true
	c.ownSock = m.TempSocket && m.SocketDir == c.sockDir
	if err := c.stop(ctx, "fast"); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(c.home, startedFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

// startedRecord identifies a server talentd started: the pid and start time PostgreSQL wrote
// into postmaster.pid (a pid alone may be reused), and the socket directory it made, if any.
type startedRecord struct {
	PID        string `json:"pid"`
	StartTime  string `json:"start_time"`
	SocketDir  string `json:"socket_dir"`
	TempSocket bool   `json:"temp_socket"`
}

// postmasterIdentity reads the pid and start time lines of the running server's postmaster.pid.
func (c *Cluster) postmasterIdentity() (pid, startTime string, err error) {
	b, err := os.ReadFile(filepath.Join(c.dir, "postmaster.pid"))
	if err != nil {
		return "", "", err
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 3 {
		return "", "", errors.New("postgres: postmaster.pid is incomplete")
	}
	return strings.TrimSpace(lines[0]), strings.TrimSpace(lines[2]), nil
}

// recordStarted notes that talentd started the server now running.
func (c *Cluster) recordStarted() error {
	pid, start, err := c.postmasterIdentity()
	if err != nil {
		return fmt.Errorf("postgres: record the started server: %w", err)
	}
	b, _ := json.Marshal(startedRecord{PID: pid, StartTime: start, SocketDir: c.sockDir, TempSocket: c.ownSock})
	path := filepath.Join(c.home, startedFile)
	if err := os.WriteFile(path+".tmp", b, 0o644); err != nil {
		return fmt.Errorf("postgres: record the started server: %w", err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return fmt.Errorf("postgres: record the started server: %w", err)
	}
	return nil
}

// startedByTalentd reports whether the server running now is the one a talentd recorded starting.
func (c *Cluster) startedByTalentd() (startedRecord, bool) {
	var m startedRecord
	b, err := os.ReadFile(filepath.Join(c.home, startedFile))
	if err != nil || json.Unmarshal(b, &m) != nil {
		return m, false
	}
	pid, start, err := c.postmasterIdentity()
	return m, err == nil && pid == m.PID && start == m.StartTime
}

// StartTempCluster makes a throwaway cluster in a new temp dir, tuned for speed over durability, for tests;
// Remove stops it and deletes the dir. Its URL names the `postgres` maintenance database.
func StartTempCluster(ctx context.Context, logger *slog.Logger) (*Cluster, error) {
	c, err := newCluster("", "postgres", logger)
	if err != nil {
		return nil, err
	}
	sweepAbandoned(ctx, c)
	root, err := os.MkdirTemp("", tempPrefix)
	if err != nil {
		return nil, fmt.Errorf("postgres: temp cluster: %w", err)
	}
	c.tempRoot, c.dir = root, filepath.Join(root, "pg")
	c.extra = []string{
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=200",
	}
	fail := func(err error) (*Cluster, error) {
		return nil, errors.Join(err, os.RemoveAll(root))
	}
	if c.cred != nil {
		if err := os.Chmod(root, 0o711); err != nil {
			return fail(fmt.Errorf("postgres: temp cluster: %w", err))
		}
	}
	// The owner's pid lets a later run reclaim this cluster if this process dies without Remove.
	if err := os.WriteFile(filepath.Join(root, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return fail(fmt.Errorf("postgres: temp cluster: %w", err))
	}
	if err := c.start(ctx, true); err != nil {
		return fail(err)
	}
	return c, nil
}

func newCluster(dir, dbName string, logger *slog.Logger) (*Cluster, error) {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	binDir, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	cred, err := serverCredential()
	if err != nil {
		return nil, err
	}
	return &Cluster{binDir: binDir, dir: dir, dbName: dbName, logger: logger, cred: cred, port: clusterPort}, nil
}

// serverCredential picks who runs initdb, pg_ctl and postgres: the current user, or for root
// (which they refuse) Debian's unprivileged postgres account.
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(serverUser)
	if err != nil {
		return nil, fmt.Errorf("postgres: running as root, but PostgreSQL refuses to run as root and there is no %q user to run it as "+
			"(install Debian's postgresql package, which creates it, or run talentd as an ordinary user): %w", serverUser, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("postgres: user %q: %w", serverUser, err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// URL is a lib/pq connection URL for the cluster's database over its unix socket, e.g.
// postgres://talentd@/talentd?host=/dir/pg&port=5432&sslmode=disable.
func (c *Cluster) URL() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.urlFor(c.dbName)
}

func (c *Cluster) urlFor(dbName string) string {
	u := url.URL{Scheme: "postgres", User: url.User(clusterSuperuser), Path: "/" + dbName}
	// Slashes are legal in a query; leaving them unescaped keeps the URL readable in logs.
	host := strings.ReplaceAll(url.QueryEscape(c.sockDir), "%2F", "/")
	u.RawQuery = "host=" + host + "&port=" + strconv.Itoa(c.port) + "&sslmode=disable"
	return u.String()
}

// Stop ends this process's use of the cluster. The server is stopped (`pg_ctl stop -m fast`) only
// when no other talentd process uses it any more and a talentd started it; a temp cluster's
// server is stopped when this Cluster started it.
func (c *Cluster) Stop(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.home == "" {
		return c.stop(ctx, "fast")
	}
	if c.users == nil {
		return nil
	}
	unlock, err := lockDir(ctx, c.home, c.logger)
	if err != nil {
		return err
	}
	defer unlock()
	return c.leave(ctx)
}

func (c *Cluster) stop(ctx context.Context, mode string) error {
	if !c.started {
		return nil
	}
	out, err := c.run(ctx, "pg_ctl", "stop", "-w", "-m", mode, "-D", c.dir)
	if err != nil {
		if running, _, serr := c.status(ctx); serr != nil || running {
			return fmt.Errorf("postgres: pg_ctl stop: %w: %s", err, out)
		}
	}
	c.started = false
	c.logger.Info("postgres: cluster stopped", "dir", c.dir)
	if c.ownSock {
		c.ownSock = false
		if err := os.RemoveAll(c.sockDir); err != nil {
			return fmt.Errorf("postgres: socket directory: %w", err)
		}
	}
	return nil
}

// Remove stops a cluster made by StartTempCluster and deletes its directory.
func (c *Cluster) Remove(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tempRoot == "" {
		return errors.New("postgres: Remove is only for clusters made by StartTempCluster")
	}
	err := c.stop(ctx, "fast")
	if err != nil {
		// The directory is about to go: a server left behind would run on without its files.
		err = errors.Join(err, c.stop(ctx, "immediate"))
	}
	if rerr := os.RemoveAll(c.tempRoot); rerr != nil {
		return errors.Join(err, fmt.Errorf("postgres: remove temp cluster: %w", rerr))
	}
	return err
}

// start initialises the cluster if needed, then starts its server or adopts one already running.
func (c *Cluster) start(ctx context.Context, temp bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cred != nil {
		if err := checkReachable(c.dir, c.cred); err != nil {
			return err
		}
	}
	initialised, err := c.prepareDir()
	if err != nil {
		return err
	}
	if !initialised {
		if err := c.initdb(ctx, temp); err != nil {
			return err
		}
	} else if err := c.matchVersion(ctx); err != nil {
		return err
	}

	running, pid, err := c.status(ctx)
	if err != nil {
		return err
	}
	pidFile := filepath.Join(c.dir, "postmaster.pid")
	if running {
		sock, p, err := readSocket(pidFile)
		if err != nil {
			return err
		}
		c.sockDir, c.port = sock, p
		c.logger.Info("postgres: reusing running cluster", "dir", c.dir, "pid", pid)
		return nil
	}
	if _, err := os.Stat(pidFile); err == nil {
		// Left by a server that did not shut down cleanly (a crash, a killed container).
		c.logger.Warn("postgres: removing stale postmaster.pid", "dir", c.dir, "pid", pid)
		if err := os.Remove(pidFile); err != nil {
			return fmt.Errorf("postgres: remove stale postmaster.pid: %w", err)
		}
	}

	if err := c.chooseSocketDir(); err != nil {
		return err
	}
	opts := append([]string{
		"-p", strconv.Itoa(clusterPort), "-h", "''", "-k", shellQuote(c.sockDir),
		"-c", "unix_socket_permissions=0700",
	}, c.extra...)
	logFile := filepath.Join(c.dir, "postgresql.log")
	c.logger.Info("postgres: starting cluster", "dir", c.dir, "socket", c.sockDir)
	out, err := c.run(ctx, "pg_ctl", "start", "-w", "-t", "120", "-D", c.dir, "-l", logFile, "-o", strings.Join(opts, " "))
	if err != nil {
		// pg_ctl may give up waiting (or be cancelled) on a server that then finishes starting.
		c.run(context.WithoutCancel(ctx), "pg_ctl", "stop", "-w", "-m", "immediate", "-D", c.dir)
		if c.ownSock {
			os.RemoveAll(c.sockDir)
			c.ownSock = false
		}
		return fmt.Errorf("postgres: pg_ctl start: %w: %s\n--- %s (last lines) ---\n%s",
			err, strings.TrimSpace(out), logFile, logTail(logFile, 30))
	}
	c.started, c.port = true, clusterPort
	if c.home != "" {
		if err := c.recordStarted(); err != nil {
			return errors.Join(err, c.stop(context.WithoutCancel(ctx), "fast"))
		}
	}
	return nil
}

// prepareDir creates the data directory for the user that will own it and reports whether
// initdb has already run there.
func (c *Cluster) prepareDir() (initialised bool, err error) {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return false, fmt.Errorf("postgres: cluster directory: %w", err)
	}
	_, err = os.Stat(filepath.Join(c.dir, "PG_VERSION"))
	initialised = err == nil
	if c.cred == nil {
		return initialised, nil
	}
	fi, err := os.Stat(c.dir)
	if err != nil {
		return false, fmt.Errorf("postgres: cluster directory: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st.Uid == c.cred.Uid {
		return initialised, nil
	}
	if initialised {
		// Chowning someone else's cluster would break it for them; say what is wrong instead.
		return true, fmt.Errorf("postgres: cluster %s is owned by uid %d, but as root talentd runs the server as user %q (uid %d): "+
			"run talentd as uid %d, or `chown -R %s %s`", c.dir, st.Uid, serverUser, c.cred.Uid, st.Uid, serverUser, c.dir)
	}
	if err := os.Chown(c.dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
		return false, fmt.Errorf("postgres: cluster directory: %w", err)
	}
	return false, nil
}

func (c *Cluster) initdb(ctx context.Context, temp bool) error {
	args := []string{"-D", c.dir, "-U", clusterSuperuser, "-E", "UTF8",
		"--auth-local=trust", "--auth-host=reject"}
	if temp {
		args = append(args, "--no-sync")
	}
	c.logger.Info("postgres: initialising cluster", "dir", c.dir, "bin", c.binDir)
	out, err := c.run(ctx, "initdb", append(args, "--locale=C.UTF-8")...)
	if err != nil && strings.Contains(out, "locale") {
		// Minimal systems lack C.UTF-8; the C locale sorts bytewise, which UTF8 data tolerates.
		c.logger.Info("postgres: locale C.UTF-8 unavailable, using --no-locale")
		out, err = c.run(ctx, "initdb", append(args, "--no-locale")...)
	}
	if err != nil {
		return fmt.Errorf("postgres: initdb: %w: %s", err, strings.TrimSpace(out))
	}
	// Also in the file, so that a server restarted by hand with pg_ctl still opens no TCP port.
	f, err := os.OpenFile(filepath.Join(c.dir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("postgres: postgresql.conf: %w", err)
	}
	_, werr := f.WriteString("\n# talentd's private cluster is reached only through its unix socket.\nlisten_addresses = ''\n")
	if err := errors.Join(werr, f.Close()); err != nil {
		return fmt.Errorf("postgres: postgresql.conf: %w", err)
	}
	return nil
}

// matchVersion makes sure the binaries can run the existing cluster: after a distribution
// upgrade the newest installed version may be one the cluster was not created with.
func (c *Cluster) matchVersion(ctx context.Context) error {
	b, err := os.ReadFile(filepath.Join(c.dir, "PG_VERSION"))
	if err != nil {
		return fmt.Errorf("postgres: cluster version: %w", err)
	}
	want := strings.TrimSpace(string(b))
	out, err := exec.CommandContext(ctx, filepath.Join(c.binDir, "pg_ctl"), "--version").Output()
	if err != nil {
		return fmt.Errorf("postgres: pg_ctl --version: %w", err)
	}
	// "pg_ctl (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"
	_, v, _ := strings.Cut(string(out), "(PostgreSQL) ")
	have, _, _ := strings.Cut(strings.TrimSpace(v), ".")
	have, _, _ = strings.Cut(have, " ")
	if have == want {
		return nil
	}
	if dir := filepath.Join("/usr/lib/postgresql", want, "bin"); hasBinaries(dir) {
		c.logger.Info("postgres: using the binaries matching the cluster's version", "version", want, "bin", dir)
		c.binDir = dir
		return nil
	}
	return fmt.Errorf("postgres: cluster %s was created by PostgreSQL %s, but the server binaries in %s are version %s: "+
		"install postgresql-%s (`apt-get install postgresql-%s`) or upgrade the cluster with pg_upgrade",
		c.dir, want, c.binDir, have, want, want)
}

// status asks pg_ctl whether the cluster's server runs, and double-checks the pid: after a
// container restart the stale pid in postmaster.pid may belong to some unrelated live process.
func (c *Cluster) status(ctx context.Context) (running bool, pid int, err error) {
	pidFile := filepath.Join(c.dir, "postmaster.pid")
	if b, err := os.ReadFile(pidFile); err == nil {
		first, _, _ := strings.Cut(string(b), "\n")
		pid, _ = strconv.Atoi(strings.TrimSpace(first))
	}
	out, err := c.run(ctx, "pg_ctl", "status", "-D", c.dir)
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 3 {
			return false, pid, nil
		}
		return false, pid, fmt.Errorf("postgres: pg_ctl status: %w: %s", err, strings.TrimSpace(out))
	}
	if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err == nil {
		name := strings.TrimSpace(string(comm))
		if name != "postgres" && name != "postmaster" {
			return false, pid, nil
		}
	}
	return true, pid, nil
}

// readSocket reads the socket directory and port a running server records in postmaster.pid, so
// that a server started by another process is found even when its socket lives in a temp dir.
func readSocket(pidFile string) (dir string, port int, err error) {
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return "", 0, fmt.Errorf("postgres: read postmaster.pid: %w", err)
	}
	// Lines: pid, data dir, start time, port, first socket directory, listen address, ...
	lines := strings.Split(string(b), "\n")
	if len(lines) < 5 || strings.TrimSpace(lines[4]) == "" {
		return "", 0, fmt.Errorf("postgres: %s names no unix socket directory: the running server is not one talentd started", pidFile)
	}
	port, err = strconv.Atoi(strings.TrimSpace(lines[3]))
	if err != nil {
		return "", 0, fmt.Errorf("postgres: %s: bad port: %w", pidFile, err)
	}
	return strings.TrimSpace(lines[4]), port, nil
}

// chooseSocketDir keeps the socket in the data directory, where only the server's user can reach
// it, unless the path is too long for a socket or would need quoting in the server's options.
func (c *Cluster) chooseSocketDir() error {
	sock := filepath.Join(c.dir, ".s.PGSQL."+strconv.Itoa(clusterPort))
	if len(sock) <= maxSocketPath && !strings.ContainsAny(c.dir, ",'\" \t\n\\") {
		c.sockDir, c.ownSock = c.dir, false
		return nil
	}
	base := os.TempDir()
	if len(base) > maxSocketPath/2 {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, "talentd-")
	if err != nil {
		return fmt.Errorf("postgres: socket directory: %w", err)
	}
	if c.cred != nil {
		if err := os.Chown(dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			os.Remove(dir)
			return fmt.Errorf("postgres: socket directory: %w", err)
		}
	}
	c.sockDir, c.ownSock = dir, true
	return nil
}

func (c *Cluster) ensureDatabase(ctx context.Context) error {
	db, err := sql.Open("postgres", c.URLFor("postgres"))
	if err != nil {
		return fmt.Errorf("postgres: connect: %w", err)
	}
	defer db.Close()
	// A server adopted while it is still starting up refuses connections for a moment.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err = db.PingContext(ctx); err == nil {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("postgres: connect to cluster %s: %w", c.dir, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, c.dbName).Scan(&exists); err != nil {
		return fmt.Errorf("postgres: look up database %q: %w", c.dbName, err)
	}
	if exists {
		return nil
	}
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(c.dbName)); err != nil && pq.As(err, pqerror.DuplicateDatabase) == nil {
		return fmt.Errorf("postgres: create database %q: %w", c.dbName, err)
	}
	c.logger.Info("postgres: database created", "database", c.dbName)
	return nil
}

// URLFor is URL for another database of the same cluster, e.g. the `postgres` maintenance database.
func (c *Cluster) URLFor(dbName string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.urlFor(dbName)
}

// run runs one of the server programs as the server's user, in a process group of its own so that
// a Ctrl-C at the terminal reaches talentd, which then stops the cluster cleanly.
func (c *Cluster) run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, name), args...)
	// The server's user may not be able to enter the caller's working directory (e.g. /root).
	cmd.Dir = c.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: c.cred}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// The postmaster that pg_ctl forks must not keep our pipe (and so this call) open.
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	return out.String(), err
}

// checkReachable makes sure the server's user can traverse every parent of dir: otherwise initdb
// or postgres would fail with an obscure permission error.
func checkReachable(dir string, cred *syscall.Credential) error {
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err == nil {
			perm := fi.Mode().Perm()
			st, ok := fi.Sys().(*syscall.Stat_t)
			reachable := perm&0o001 != 0 ||
				ok && st.Uid == cred.Uid && perm&0o100 != 0 ||
				ok && st.Gid == cred.Gid && perm&0o010 != 0
			if !reachable {
				return fmt.Errorf("postgres: the cluster directory %s is not reachable by user %q, which runs the server: "+
					"%s is mode %04o; run `chmod o+x %s` (or choose another data directory)", dir, serverUser, p, perm, p)
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("postgres: cluster directory: %w", err)
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// lockDir takes the exclusive lock on talentd's data directory under which its cluster is started
// and stopped, waiting (within ctx) while another process holds it.
func lockDir(ctx context.Context, dir string, logger *slog.Logger) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("postgres: lock data directory: %w", err)
	}
	waiting := func() {
		logger.Info("postgres: waiting for another talentd process to finish starting or stopping the cluster", "dir", dir)
	}
	if err := flockWait(ctx, f, syscall.LOCK_EX, waiting); err != nil {
		f.Close()
		return nil, fmt.Errorf("postgres: lock data directory: %w", err)
	}
	return func() { f.Close() }, nil
}

// flockWait takes a flock (LOCK_SH or LOCK_EX) on f, polling so that ctx can end the wait;
// waiting, if given, is called once when the lock is not free at once.
func flockWait(ctx context.Context, f *os.File, how int, waiting func()) error {
	for first := true; ; first = false {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			return err
		}
		if first && waiting != nil {
			waiting()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// sweepAbandoned stops and deletes temp clusters whose owning process died without Remove
// (a test binary killed by its timeout, say), so they do not pile up across runs.
func sweepAbandoned(ctx context.Context, proto *Cluster) {
	roots, _ := filepath.Glob(filepath.Join(os.TempDir(), tempPrefix+"*"))
	for _, root := range roots {
		b, err := os.ReadFile(filepath.Join(root, ownerFile))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || processAlive(pid) {
			continue
		}
		c := &Cluster{binDir: proto.binDir, dir: filepath.Join(root, "pg"), logger: proto.logger, cred: proto.cred, started: true}
		if _, err := os.Stat(filepath.Join(c.dir, "postmaster.pid")); err == nil {
			if err := c.stop(ctx, "immediate"); err != nil {
				proto.logger.Warn("postgres: abandoned temp cluster", "dir", root, "err", err)
				continue
			}
		}
		if err := os.RemoveAll(root); err == nil {
			proto.logger.Info("postgres: removed abandoned temp cluster", "dir", root, "owner", pid)
		}
	}
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// shellQuote quotes s for the /bin/sh that pg_ctl starts postgres with.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// tail returns the last n lines of a file, for errors that would otherwise only say "see the log".
func logTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
