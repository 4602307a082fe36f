// Package storetest gives a test a migrated database and an open store,
// cloned from a template that is migrated once per schema version.
package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"sort"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"mamori/internal/store"
	"mamori/internal/testdb"
	"mamori/migrations"
)

var template = sync.OnceValues(func() (string, error) {
	name := "mamori_tpl_" + migrationsHash()
	err := testdb.CreateTemplate(context.Background(), name, store.MigrateUp)
	return name, err
})

// migrationsHash names the template after the migrations' content, so a
// changed schema never reuses an old template.
func migrationsHash() string {
	h := sha256.New()
	names, _ := fs.Glob(migrations.FS, "*.sql")
	sort.Strings(names)
	for _, n := range names {
		b, _ := fs.ReadFile(migrations.FS, n)
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// URL returns the connection string of a fresh migrated database.
func URL(tb testing.TB) string {
	tb.Helper()
	tpl, err := template()
	if err != nil {
		tb.Fatalf("storetest: template: %v", err)
	}
	return testdb.NewFrom(tb, tpl)
}

// New returns an open store on a fresh migrated database, opened with opts.
func New(tb testing.TB, opts ...store.Option) *store.Store {
	tb.Helper()
	return Open(tb, URL(tb), opts...)
}

// Open returns a store on the database at url, closed when the test ends,
// whose database DB can reach.
func Open(tb testing.TB, url string, opts ...store.Option) *store.Store {
	tb.Helper()
	st, err := store.Open(context.Background(), url, opts...)
	if err != nil {
		tb.Fatalf("storetest: open: %v", err)
	}
	tb.Cleanup(st.Close)
	dbs.Lock()
	dbs.url[st] = url
	dbs.Unlock()
	tb.Cleanup(func() {
		dbs.Lock()
		defer dbs.Unlock()
		if p := dbs.pool[st]; p != nil {
			p.Close()
		}
		delete(dbs.url, st)
		delete(dbs.pool, st)
	})
	return st
}

// dbs remembers the database of each store New opened, and the pool DB
// opened on it.
var dbs = struct {
	sync.Mutex
	url  map[*store.Store]string
	pool map[*store.Store]*pgxpool.Pool
}{url: map[*store.Store]string{}, pool: map[*store.Store]*pgxpool.Pool{}}

// DB returns a connection pool on the database of st, a store New or Open returned,
// for a test's own SQL: rows no store method reads, or fixtures the store
// has no method to write. The store keeps its own pool to itself.
func DB(tb testing.TB, st *store.Store) *pgxpool.Pool {
	tb.Helper()
	dbs.Lock()
	defer dbs.Unlock()
	if p := dbs.pool[st]; p != nil {
		return p
	}
	url, ok := dbs.url[st]
	if !ok {
		tb.Fatalf("storetest: DB of a store that neither New nor Open opened")
	}
	p, err := pgxpool.New(context.Background(), url)
	if err != nil {
		tb.Fatalf("storetest: open pool: %v", err)
	}
	dbs.pool[st] = p
	return p
}

// Connect returns a connection pool on the database at url, closed when the
// test ends: for a test that opened its store itself.
func Connect(tb testing.TB, url string) *pgxpool.Pool {
	tb.Helper()
	p, err := pgxpool.New(context.Background(), url)
	if err != nil {
		tb.Fatalf("storetest: open pool: %v", err)
	}
	tb.Cleanup(p.Close)
	return p
}
