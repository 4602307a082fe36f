package store_test

import (
	"context"
	"io/fs"
	"strconv"
	"strings"
	"testing"

	"mamori/internal/store"
	"mamori/internal/testdb"
	"mamori/migrations"
)

func TestMigrationsUpDown(t *testing.T) {
	url := testdb.New(t)
	latest, err := store.LatestVersion()
	if err != nil || latest < 4 {
		t.Fatalf("latest = %d, %v", latest, err)
	}
	m, err := store.NewMigrator(url)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Up(); err != nil {
		t.Fatal(err)
	}
	if v, dirty, _ := m.Version(); v != latest || dirty {
		t.Fatalf("after up: version %d dirty %v, want %d", v, dirty, latest)
	}
	st, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// River's tables (river_*) are River's: migrate down leaves them.
	tables := func() int {
		var n int
		if err := st.PoolForTest().QueryRow(context.Background(), `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'
			AND table_name <> 'schema_migrations' AND table_name NOT LIKE 'river\_%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := tables(); n < 10 {
		t.Fatalf("after up: %d tables", n)
	}
	// Every migration down: as many steps as there are files (numbers
	// may have gaps).
	ups, err := fs.Glob(migrations.FS, "*.up.sql")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Down(len(ups)); err != nil {
		t.Fatal(err)
	}
	if n := tables(); n != 0 {
		t.Fatalf("after down %d: %d tables remain", len(ups), n)
	}
	if v, _, _ := m.Version(); v != 0 {
		t.Fatalf("after down: version %d", v)
	}
	// And up again: the down files leave nothing behind that breaks a re-run.
	if err := m.Up(); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := m.Version(); v != latest {
		t.Fatalf("after second up: version %d", v)
	}
	if err := m.Down(0); err == nil {
		t.Fatal("Down(0) accepted")
	}
}

// migrationsAbove counts the migrations numbered above version: the steps
// down to it. Numbers may have gaps (branches take numbers in advance), so
// the latest version is not the count.
func migrationsAbove(t *testing.T, version int) int {
	t.Helper()
	names, err := fs.Glob(migrations.FS, "*.up.sql")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range names {
		v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			t.Fatalf("migration %s: %v", name, err)
		}
		if v > version {
			n++
		}
	}
	return n
}
