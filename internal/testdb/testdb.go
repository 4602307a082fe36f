// Package testdb gives each test a fresh, empty PostgreSQL database.
//
// The server is the one named by MAMORI_TEST_DATABASE_URL (an admin-capable
// connection string, e.g. postgres://postgres@/postgres?host=/tmp/x, as set
// by `make test`), or else a pgembed cluster in os.TempDir()/mamori-testpg.
// That cluster is shared by every test binary (pgembed's lock makes
// concurrent starts safe) and deliberately left running afterwards, so that
// later runs skip initdb and startup; stop it with
// `pg_ctl stop -D /tmp/mamori-testpg` (as the postgres user when root), or
// just delete the directory once it is stopped.
//
// Without a server, tests fail (never skip), so a missing database cannot
// pass unnoticed, in CI or locally.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"mamori/internal/pgembed"
)

// EnvURL names the variable that points testdb at an existing server.
const EnvURL = "MAMORI_TEST_DATABASE_URL"

// prefix starts the name of every database New creates.
const prefix = "mamori_test_"

var server struct {
	once sync.Once
	url  string // admin connection string
	err  error
}

// adminURL returns the admin connection string, starting the shared cluster
// on first use (lazily, so test binaries that never call New start nothing).
func adminURL() (string, error) {
	server.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		server.url, server.err = connectServer(ctx)
		if server.err == nil {
			sweep(ctx, server.url, func(pid int) bool { return !alive(pid) })
		}
	})
	return server.url, server.err
}

func connectServer(ctx context.Context) (string, error) {
	if u := os.Getenv(EnvURL); u != "" {
		if err := exec(ctx, u, "SELECT 1"); err != nil {
			return "", fmt.Errorf("%s: %w", EnvURL, err)
		}
		return u, nil
	}
	c, err := pgembed.Start(ctx, pgembed.Options{DataDir: filepath.Join(os.TempDir(), "mamori-testpg")})
	if err != nil {
		return "", err
	}
	return c.URL("postgres"), nil
}

// Main runs the tests of a package that uses testdb:
//
//	func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }
//
// Afterwards it drops any database this binary created and did not drop
// (New's cleanup normally does). The server is left running.
func Main(m *testing.M) int {
	code := m.Run()
	if server.url != "" {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		sweep(ctx, server.url, func(pid int) bool { return pid == os.Getpid() })
	}
	return code
}

// New returns a connection string to a fresh, empty database, dropped when
// the test ends.
func New(tb testing.TB) string {
	tb.Helper()
	return create(tb, "")
}

// NewFrom is New with the database cloned from template, which
// CreateTemplate made.
func NewFrom(tb testing.TB, template string) string {
	tb.Helper()
	return create(tb, template)
}

func create(tb testing.TB, template string) string {
	tb.Helper()
	admin, err := adminURL()
	if err != nil {
		noServer(tb, err)
	}
	name := newName()
	stmt := "CREATE DATABASE " + ident(name)
	if template != "" {
		stmt += " TEMPLATE " + ident(template)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := exec(ctx, admin, stmt); err != nil {
		if template != "" {
			tb.Fatalf("testdb: %s: %v (was the template made with testdb.CreateTemplate?)", stmt, err)
		}
		tb.Fatalf("testdb: %s: %v", stmt, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// FORCE: connections the test leaked must not keep the database alive.
		if err := exec(ctx, admin, "DROP DATABASE IF EXISTS "+ident(name)+" WITH (FORCE)"); err != nil {
			tb.Errorf("testdb: drop %s: %v", name, err)
		}
	})
	return withDatabase(admin, name)
}

func noServer(tb testing.TB, err error) {
	tb.Helper()
	msg := fmt.Sprintf("testdb: no PostgreSQL server for tests: %v\n"+
		"Set %s to an admin connection string, or install the server binaries "+
		"(Debian/Ubuntu: apt-get install postgresql).", err, EnvURL)
	if os.Getenv("CI") == "true" {
		msg += "\nCI=true: database tests are never skipped in CI."
	}
	tb.Fatal(msg)
}

// newName is prefix + package + pid + random. The pid lets sweep tell the
// databases of a binary that died (without running its cleanups) from those
// of one still running.
func newName() string {
	pkg := strings.TrimSuffix(filepath.Base(os.Args[0]), ".test")
	pkg = regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(pkg), "")
	if len(pkg) > 20 {
		pkg = pkg[:20]
	}
	return fmt.Sprintf("%s%s_%d_%s", prefix, pkg, os.Getpid(), randomHex())
}

func randomHex() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

var nameRE = regexp.MustCompile(`^` + prefix + `[a-z0-9]*_([0-9]+)_[0-9a-f]{8}$`)

// sweep drops the test databases whose creator's pid matches drop. It acts
// only on a server reached over a unix socket, so that pids refer to this
// machine.
func sweep(ctx context.Context, admin string, drop func(pid int) bool) {
	cfg, err := pgconn.ParseConfig(admin)
	if err != nil || !strings.HasPrefix(cfg.Host, "/") {
		return
	}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, "SELECT datname FROM pg_database WHERE datname LIKE 'mamori\\_test\\_%'")
	if err != nil {
		return
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return
	}
	for _, name := range names {
		m := nameRE.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		if pid, _ := strconv.Atoi(m[1]); drop(pid) {
			conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident(name)+" WITH (FORCE)")
		}
	}
}

// alive reports whether process pid exists (EPERM: it does, as another user).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// exec runs one statement on a fresh connection. Database DDL cannot run in
// a transaction block, and a connection per call keeps parallel tests apart.
func exec(ctx context.Context, connString, sql string) error {
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

// withDatabase returns connString with its database replaced by name. It
// accepts both URL and keyword/value connection strings, and edits a URL as
// text: re-encoding it with net/url would turn spaces into "+", which pgx,
// like libpq, does not decode.
func withDatabase(connString, name string) string {
	for _, scheme := range []string{"postgres://", "postgresql://"} {
		if rest, ok := strings.CutPrefix(connString, scheme); ok {
			authEnd := strings.IndexAny(rest, "/?")
			if authEnd < 0 {
				return connString + "/" + url.PathEscape(name)
			}
			query := ""
			if q := strings.IndexByte(rest, '?'); q >= 0 {
				query = rest[q:]
			}
			return scheme + rest[:authEnd] + "/" + url.PathEscape(name) + query
		}
	}
	// Keyword/value: a later setting overrides an earlier one.
	return connString + " dbname='" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(name) + "'"
}
