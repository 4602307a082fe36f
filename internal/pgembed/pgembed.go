// Package pgembed runs a private PostgreSQL cluster for development and tests.
//
// The cluster has no TCP listener, only a unix socket in a directory (mode
// 0700) that its owner alone can enter, and it trusts every local
// connection: the socket directory's permissions are the access control.
//
// PostgreSQL refuses to run as root. When this process is root, the server
// binaries run as the "postgres" system user, and if that user cannot reach
// the requested data directory (a checkout under /root, or t.TempDir(), whose
// parents are mode 0700) the cluster lives instead in
// os.TempDir()/mamori-pg-<hash of the requested path>; a file named
// PGEMBED_MAPPED_TO in the requested directory records where.
package pgembed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNoBinaries means neither Options.BinDir, PATH nor the usual install
// locations hold initdb and pg_ctl.
var ErrNoBinaries = errors.New("PostgreSQL server binaries not found: install them (Debian/Ubuntu: apt-get install postgresql) or set DATABASE_URL")

// Options configures Start.
type Options struct {
	// DataDir is where the cluster lives (created and initialised if needed).
	DataDir string
	// BinDir holds initdb and pg_ctl. If empty, PATH is searched for pg_ctl,
	// then /usr/lib/postgresql/*/bin (highest version first).
	BinDir string
	// Logger receives progress messages; nil discards them.
	Logger *slog.Logger
	// Port names the socket file (.s.PGSQL.<port>); there is no TCP listener.
	// Default 5432.
	Port int
}

// Cluster is a running PostgreSQL server started (or found running) by Start.
type Cluster struct {
	layout
	binDir string
	port   int
	log    *slog.Logger
	reused bool // the server was already running when Start was called
}

// Reused reports whether Start found the server already running (started by
// another process, such as a running `mamori serve`). A caller that did not
// start the server should not stop it.
func (c *Cluster) Reused() bool { return c.reused }

// Start initialises the cluster in opts.DataDir if it holds none yet and
// starts it, or reuses the server already running on it (for example one left
// behind by a process that crashed: stale lock files are dealt with).
// Concurrent Starts on the same directory, from any process, are
// serialised by a lock file and all end up with the same server.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	c, err := newCluster(opts)
	if err != nil {
		return nil, err
	}
	unlock, err := lockFile(ctx, c.lockPath)
	if err != nil {
		return nil, fmt.Errorf("pgembed: lock %s: %w", c.lockPath, err)
	}
	defer unlock()

	if c.pgdata != c.requested {
		c.log.Info("pgembed: data dir not reachable by the postgres user, using a mapped dir",
			"requested", c.requested, "actual", c.pgdata)
		if err := c.recordMapping(); err != nil {
			return nil, err
		}
	}
	if err := c.initIfNeeded(ctx); err != nil {
		return nil, err
	}
	if err := c.startOrReuse(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// DataDir is the cluster's actual PGDATA directory: Options.DataDir, or the
// mapped directory when running as root (see the package comment).
func (c *Cluster) DataDir() string { return c.pgdata }

// URL returns a connection string for database dbname over the unix socket,
// as user postgres, e.g. postgres://postgres@/app?host=/tmp/mamori-pg-1a2b&port=5432.
func (c *Cluster) URL(dbname string) string {
	u := url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/" + dbname}
	// pgx, like libpq, decodes only %XX in a URI (never "+" as a space).
	// Slashes are legal in a query; leaving them unescaped keeps it readable.
	host := strings.NewReplacer("+", "%20", "%2F", "/").Replace(url.QueryEscape(c.sockDir))
	u.RawQuery = "host=" + host + "&port=" + strconv.Itoa(c.port) + "&sslmode=disable"
	return u.String()
}

// Stop shuts the server down (fast mode: active sessions are disconnected).
// Stopping a cluster that is not running, or was removed, is not an error.
func (c *Cluster) Stop(ctx context.Context) error {
	if _, err := os.Stat(c.pgdata); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	unlock, err := lockFile(ctx, c.lockPath)
	if err != nil {
		return fmt.Errorf("pgembed: lock %s: %w", c.lockPath, err)
	}
	defer unlock()
	if running, err := c.running(ctx); err != nil || !running {
		return err
	}
	if out, err := c.run(ctx, "pg_ctl", "stop", "-D", c.pgdata, "-m", "fast", "-w"); err != nil {
		return fmt.Errorf("pgembed: pg_ctl stop: %w%s", err, tail("output", out))
	}
	c.log.Info("pgembed: stopped", "datadir", c.pgdata)
	return nil
}

// StopDir stops the cluster in opts.DataDir if one is running there, without
// starting it first; for a process other than the one that called Start.
func StopDir(ctx context.Context, opts Options) error {
	c, err := newCluster(opts)
	if err != nil {
		return err
	}
	return c.Stop(ctx)
}

func newCluster(opts Options) (*Cluster, error) {
	if opts.DataDir == "" {
		return nil, errors.New("pgembed: Options.DataDir is empty")
	}
	binDir, err := findBinDir(opts.BinDir)
	if err != nil {
		return nil, err
	}
	l, err := resolveLayout(opts.DataDir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{layout: l, binDir: binDir, port: opts.Port, log: opts.Logger}
	if c.port == 0 {
		c.port = 5432
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// EnsureDatabase creates database name unless it exists already.
func (c *Cluster) EnsureDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("pgembed: connect: %w", err)
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "42P04" || // duplicate_database
		// Two concurrent CREATE DATABASEs of one name can also collide here.
		(pgErr.Code == "23505" && pgErr.ConstraintName == "pg_database_datname_index")) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pgembed: create database %s: %w", name, err)
	}
	c.log.Info("pgembed: created database", "name", name)
	return nil
}
