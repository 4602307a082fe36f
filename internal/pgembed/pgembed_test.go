package pgembed

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// start starts a cluster and, at the end of the test, stops it and removes
// what lives outside t.TempDir(): the mapped dir (as root), socket dir, lock.
func start(t *testing.T, dir string) *Cluster {
	t.Helper()
	cleanup(t, dir)
	c, err := Start(t.Context(), Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return c
}

// cleanup removes, after the test, the files a cluster for dir keeps outside dir.
func cleanup(t *testing.T, dir string) {
	l, err := resolveLayout(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if l.pgdata != l.requested {
			os.RemoveAll(l.pgdata)
		}
		if l.sockDir != l.pgdata {
			os.RemoveAll(l.sockDir)
		}
		os.Remove(l.lockPath)
	})
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// startTime identifies a server instance: it changes on every restart.
func startTime(t *testing.T, c *Cluster) time.Time {
	t.Helper()
	var ts time.Time
	if err := connect(t, c.URL("postgres")).QueryRow(t.Context(), "SELECT pg_postmaster_start_time()").Scan(&ts); err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestLifecycle(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	c := start(t, dir)
	if os.Geteuid() == 0 && c.DataDir() != dir {
		if b, err := os.ReadFile(filepath.Join(dir, mappedFile)); err != nil || strings.TrimSpace(string(b)) != c.DataDir() {
			t.Errorf("mapping not recorded in %s: %q, %v", dir, b, err)
		}
	}

	var one int
	if err := connect(t, c.URL("postgres")).QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1: %d, %v", one, err)
	}

	const db = `mamori "odd" name`
	for range 2 {
		if err := c.EnsureDatabase(ctx, db); err != nil {
			t.Fatal(err)
		}
	}
	app := connect(t, c.URL(db))
	if _, err := app.Exec(ctx, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	app.Close(ctx)

	// A second Start on a running cluster adopts it rather than restarting.
	first := startTime(t, c)
	again, err := Start(ctx, Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := startTime(t, again); !got.Equal(first) {
		t.Errorf("Start on a running cluster restarted it: %v then %v", first, got)
	}

	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("second Stop: %v", err)
	}

	c = start(t, dir)
	var v int
	if err := connect(t, c.URL(db)).QueryRow(ctx, "SELECT v FROM kept").Scan(&v); err != nil || v != 42 {
		t.Fatalf("data after restart: %d, %v", v, err)
	}

	// A server killed outright leaves a stale postmaster.pid; Start copes.
	pf, err := os.ReadFile(filepath.Join(c.DataDir(), "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.SplitN(string(pf), "\n", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// SIGKILL is asynchronous: wait until the process is dead (or a zombie).
	for deadline := time.Now().Add(10 * time.Second); !zombie(pid) && syscall.Kill(pid, 0) == nil; {
		if time.Now().After(deadline) {
			t.Fatal("postmaster survived SIGKILL")
		}
		time.Sleep(10 * time.Millisecond)
	}
	c = start(t, dir)
	if err := connect(t, c.URL(db)).QueryRow(ctx, "SELECT v FROM kept").Scan(&v); err != nil || v != 42 {
		t.Fatalf("data after crash: %d, %v", v, err)
	}
}

func TestConcurrentStart(t *testing.T) {
	dir := t.TempDir()
	cleanup(t, dir)
	var (
		wg       sync.WaitGroup
		clusters [2]*Cluster
		errs     [2]error
	)
	for i := range clusters {
		wg.Go(func() { clusters[i], errs[i] = Start(t.Context(), Options{DataDir: dir}) })
	}
	wg.Wait()
	for i, c := range clusters {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		t.Cleanup(func() { c.Stop(context.Background()) })
	}
	a, b := clusters[0], clusters[1]
	if a.URL("x") != b.URL("x") || a.DataDir() != b.DataDir() {
		t.Fatalf("two clusters: %s, %s", a.URL("x"), b.URL("x"))
	}
	if ta, tb := startTime(t, a), startTime(t, b); !ta.Equal(tb) {
		t.Fatalf("two server instances: started %v and %v", ta, tb)
	}
}

func TestNoBinaries(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Start(t.Context(), Options{DataDir: t.TempDir(), BinDir: t.TempDir()})
	if !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("got %v, want ErrNoBinaries", err)
	}
}

func TestURLParses(t *testing.T) {
	c := &Cluster{layout: layout{sockDir: "/tmp/odd dir&x=y+z"}, port: 5433}
	cfg, err := pgx.ParseConfig(c.URL("app db"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "/tmp/odd dir&x=y+z" || cfg.Port != 5433 || cfg.Database != "app db" || cfg.User != "postgres" || cfg.TLSConfig != nil {
		t.Fatalf("parsed %q as host=%q port=%d db=%q user=%q tls=%v",
			c.URL("app db"), cfg.Host, cfg.Port, cfg.Database, cfg.User, cfg.TLSConfig != nil)
	}
}

// A data dir whose path is too long for a socket path gets a short socket
// dir; as root this also covers a dir the postgres user can reach (no mapping).
func TestLongPath(t *testing.T) {
	base := t.TempDir()
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	long := filepath.Join(base, strings.Repeat("d", 100), "pgdata")
	c := start(t, long)
	if c.DataDir() != long || len(c.sockDir) > maxSockDir {
		t.Fatalf("data dir %q, socket dir %q", c.DataDir(), c.sockDir)
	}
	var one int
	if err := connect(t, c.URL("postgres")).QueryRow(t.Context(), "SELECT 1").Scan(&one); err != nil {
		t.Fatal(err)
	}
}
