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

// New returns an open store on a fresh migrated database.
func New(tb testing.TB) *store.Store {
	tb.Helper()
	st, err := store.Open(context.Background(), URL(tb))
	if err != nil {
		tb.Fatalf("storetest: open: %v", err)
	}
	tb.Cleanup(st.Close)
	return st
}
