package store_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"mamori/internal/score"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// listening starts st's cache listener for the test and waits until the
// cache is in use.
func listening(t *testing.T, st *store.Store) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { st.ListenForChanges(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	eventually(t, "listener up", func() bool { return st.CacheStats().Live })
}

// eventually polls cond until it holds, failing the test after 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func employees(t *testing.T, st *store.Store, orgID string) int {
	t.Helper()
	b, err := st.CurrentBasis(context.Background(), orgID)
	if err != nil {
		t.Fatal(err)
	}
	if b.Profile == nil {
		return 0
	}
	return b.Profile.Employees
}

// TestOrgCache: two instances on one database, each with its cache and its
// listener.
func TestOrgCache(t *testing.T) {
	ctx := context.Background()
	url := storetest.URL(t)
	a, b := storetest.Open(t, url), storetest.Open(t, url)
	listening(t, a)
	listening(t, b)
	org, err := a.CreateOrg(ctx, "キャッシュ株式会社", nil, "manufacturing")
	if err != nil {
		t.Fatal(err)
	}
	by := store.Actor{Email: "test"}
	save := func(st *store.Store, n int) {
		t.Helper()
		if _, _, err := st.SaveProfile(ctx, org.ID, score.Profile{Industry: "manufacturing", Employees: n, ITDependence: 2}, nil, by); err != nil {
			t.Fatal(err)
		}
	}
	save(a, 100)
	// sqlSet changes the profile behind the stores' backs, in a transaction
	// that commits or rolls back; quiet: without the notification (the
	// triggers off for the session), as if it had been missed.
	sqlSet := func(n int, commit, quiet bool) {
		t.Helper()
		tx, err := a.PoolForTest().Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if quiet {
			if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE org_profiles SET employees = $2 WHERE org_id = $1`, org.ID, n); err != nil {
			t.Fatal(err)
		}
		// A read in the middle of the transaction sees (and may cache) the
		// value before it.
		if got := employees(t, b, org.ID); got == n {
			t.Fatalf("read inside another transaction saw its uncommitted %d", n)
		}
		if commit {
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}

	t.Run("ChangeThroughOneSeenByTheOther", func(t *testing.T) {
		// The setup's notification may come after b's first read: poll
		// until a read of 100 comes from the cache.
		eventually(t, "b reads 100 from its cache", func() bool {
			hits := b.CacheStats().Hits
			return employees(t, b, org.ID) == 100 && b.CacheStats().Hits == hits+1
		})
		save(a, 200)
		if got := employees(t, a, org.ID); got != 200 { // its own change, at once
			t.Fatalf("a after its own save: %d", got)
		}
		eventually(t, "b reads 200", func() bool { return employees(t, b, org.ID) == 200 })
		if _, err := a.SetTargetOverrides(ctx, org.ID, map[string]int{"1-1": 5}, by); err != nil {
			t.Fatal(err)
		}
		eventually(t, "b reads the new target", func() bool {
			bs, err := b.CurrentBasis(ctx, org.ID)
			return err == nil && bs.Overrides["1-1"] == 5
		})
	})

	t.Run("RollbackKeepsAndCommitReplaces", func(t *testing.T) {
		employees(t, b, org.ID) // cached
		sqlSet(300, false, false)
		if got := employees(t, b, org.ID); got != 200 {
			t.Fatalf("after a rollback: %d, want 200", got)
		}
		sqlSet(400, true, false)
		eventually(t, "b reads 400", func() bool { return employees(t, b, org.ID) == 400 })
		// Nothing brings the old value back later.
		for range 20 {
			if got := employees(t, b, org.ID); got != 400 {
				t.Fatalf("stale read after the commit: %d", got)
			}
		}
	})

	t.Run("ListenerLossDropsEverything", func(t *testing.T) {
		if got := employees(t, b, org.ID); got != 400 {
			t.Fatal(got)
		}
		sqlSet(500, true, true) // a missed notification
		if got := employees(t, b, org.ID); got != 400 {
			t.Fatalf("the cache was not in use: %d", got)
		}
		resets := b.CacheStats().Resets
		var killed int
		if err := a.PoolForTest().QueryRow(ctx, `
			SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = 'mamori cache listener'`).Scan(&killed); err != nil || killed != 2 {
			t.Fatalf("terminated %d listeners, %v", killed, err)
		}
		// Dropped when lost, opened again (empty) once listening again.
		eventually(t, "b's listener back", func() bool { s := b.CacheStats(); return s.Resets >= resets+2 && s.Live })
		if got := employees(t, b, org.ID); got != 500 {
			t.Fatalf("after the listener came back: %d, want 500", got)
		}
		save(a, 600)
		eventually(t, "b reads 600 through the new listener", func() bool { return employees(t, b, org.ID) == 600 })
	})

	t.Run("NoListenerNoCache", func(t *testing.T) {
		c := storetest.Open(t, url) // its listener never started
		if got := employees(t, c, org.ID); got != 600 {
			t.Fatal(got)
		}
		sqlSet(700, true, true)
		if got := employees(t, c, org.ID); got != 700 {
			t.Fatalf("without a listener: %d, want 700", got)
		}
		if s := c.CacheStats(); s.Live || s.Entries != 0 || s.Hits != 0 {
			t.Fatalf("cache used without a listener: %+v", s)
		}
	})
}
