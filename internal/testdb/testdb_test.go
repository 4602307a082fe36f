package testdb

import (
	"context"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func dbName(t *testing.T, conn *pgx.Conn) string {
	t.Helper()
	var name string
	if err := conn.QueryRow(t.Context(), "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}

func exists(t *testing.T, name string) bool {
	t.Helper()
	admin, err := adminURL()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := connect(t, admin).QueryRow(t.Context(), "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

func TestNew(t *testing.T) {
	var first, second string
	t.Run("use", func(t *testing.T) {
		a, b := connect(t, New(t)), connect(t, New(t))
		first, second = dbName(t, a), dbName(t, b)
		if first == second || !strings.HasPrefix(first, prefix+"testdb_") {
			t.Fatalf("databases %q and %q", first, second)
		}
		if _, err := a.Exec(t.Context(), "CREATE TABLE t (v text); INSERT INTO t VALUES ('x')"); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Exec(t.Context(), "SELECT FROM t"); err == nil {
			t.Fatal("table created in one database is visible in the other")
		}
		// A connection still open at cleanup must not keep the database alive.
	})
	for _, name := range []string{first, second} {
		if exists(t, name) {
			t.Errorf("database %s not dropped after its test", name)
		}
	}
}

func TestTemplate(t *testing.T) {
	name := prefix + "tmpl_" + randomHex()
	t.Cleanup(func() {
		// Normally kept for later runs; this one is throwaway.
		admin, _ := adminURL()
		ctx := context.Background()
		exec(ctx, admin, "ALTER DATABASE "+ident(name)+" WITH IS_TEMPLATE false")
		exec(ctx, admin, "DROP DATABASE IF EXISTS "+ident(name))
	})
	var calls atomic.Int32
	setup := func(url string) error {
		calls.Add(1)
		conn, err := pgx.Connect(context.Background(), url)
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		_, err = conn.Exec(context.Background(), "CREATE TABLE seeded (v int); INSERT INTO seeded VALUES (7)")
		return err
	}
	// Concurrent creators: one runs setup, the others wait and reuse it.
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if err := CreateTemplate(t.Context(), name, setup); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if err := CreateTemplate(t.Context(), name, setup); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("setup ran %d times, want 1", n)
	}

	a, b := connect(t, NewFrom(t, name)), connect(t, NewFrom(t, name))
	if _, err := a.Exec(t.Context(), "UPDATE seeded SET v = 8"); err != nil {
		t.Fatal(err)
	}
	var v int
	if err := b.QueryRow(t.Context(), "SELECT v FROM seeded").Scan(&v); err != nil || v != 7 {
		t.Fatalf("clone sees v=%d, %v; want the template's 7", v, err)
	}
}

func TestWithDatabase(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://postgres@/postgres?host=/tmp/a%20b&port=5432": "postgres://postgres@/x?host=/tmp/a%20b&port=5432",
		"postgresql://u:p@h:5433":                                 "postgresql://u:p@h:5433/x",
		"postgres://h?sslmode=disable":                            "postgres://h/x?sslmode=disable",
		"host=/tmp dbname=postgres":                               "host=/tmp dbname=postgres dbname='x'",
	} {
		if got := withDatabase(in, "x"); got != want {
			t.Errorf("withDatabase(%q) = %q, want %q", in, got, want)
		}
	}
}
