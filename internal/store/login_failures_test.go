package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// Parallel reservations each see the ones before them: of 50 sent at once
// with room for 10, exactly 10 are kept, and the refused leave no row.
func TestReserveLoginAttemptIsAtomic(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	upTo := func(limit int) func(store.LoginAttempts) bool {
		return func(n store.LoginAttempts) bool { return n.ForAccount <= limit }
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		kept int
	)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, ok, err := st.ReserveLoginAttempt(ctx, "A@example.jp", "192.0.2.1", "", 15*time.Minute, upTo(10))
			if err != nil {
				t.Error(err)
				return
			}
			if ok {
				mu.Lock()
				kept++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if kept != 10 {
		t.Fatalf("kept %d of 50 parallel reservations, want 10", kept)
	}
	var rows int
	if err := st.PoolForTest().QueryRow(ctx, `SELECT count(*) FROM login_failures`).Scan(&rows); err != nil || rows != 10 {
		t.Fatalf("%d rows (%v), want 10: a refused attempt is not recorded", rows, err)
	}

	t.Run("CountsAreOfTheClientAccountAndSignIn", func(t *testing.T) {
		all := func(store.LoginAttempts) bool { return true }
		a, _, err := st.ReserveLoginAttempt(ctx, "a@example.jp", "192.0.2.1", "pending-1", 15*time.Minute, all)
		if err != nil {
			t.Fatal(err)
		}
		if a.ForAccount != 11 || a.ForClient != 11 || a.ForSignIn != 1 || a.OldestAccount.IsZero() {
			t.Fatalf("counts %+v, want 11 for the account (email case ignored) and the client, 1 for the sign-in", a)
		}
		b, _, err := st.ReserveLoginAttempt(ctx, "b@example.jp", "192.0.2.1", "", 15*time.Minute, all)
		if err != nil {
			t.Fatal(err)
		}
		if b.ForAccount != 1 || b.ForClient != 12 || b.ForSignIn != 0 {
			t.Fatalf("counts %+v, want 1 for the other account, 12 for the client", b)
		}
		if err := st.ReleaseLoginAttempt(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		c, _, err := st.ReserveLoginAttempt(ctx, "c@example.jp", "192.0.2.9", "", 15*time.Minute, all)
		if err != nil {
			t.Fatal(err)
		}
		if c.ForAccount != 1 || c.ForClient != 1 {
			t.Fatalf("counts %+v from another address, want 1 and 1", c)
		}
		if err := st.ClearLoginFailures(ctx, "a@example.jp", "192.0.2.1", 15*time.Minute); err != nil {
			t.Fatal(err)
		}
		d, _, err := st.ReserveLoginAttempt(ctx, "a@example.jp", "192.0.2.1", "", 15*time.Minute, all)
		if err != nil || d.ForAccount != 1 || d.ForClient != 1 {
			t.Fatalf("after release and clear: %+v %v, want 1 and 1", d, err)
		}
	})
}
