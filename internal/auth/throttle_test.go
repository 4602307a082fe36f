package auth

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"mamori/internal/store"
)

// memoryAttempts is the throttle's database in memory: the reservation
// under one lock, as the store's.
type memoryAttempts struct {
	mu   sync.Mutex
	rows map[int64]row
	next int64
}

type row struct {
	email, client, signIn string
	at                    time.Time
}

func (m *memoryAttempts) ReserveLoginAttempt(_ context.Context, email, client, signIn string, _ time.Duration, keep func(store.LoginAttempts) bool) (store.LoginAttempts, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	n := store.LoginAttempts{ForAccount: 1, ForClient: 1, OldestAccount: now, OldestClient: now}
	if signIn != "" {
		n.ForSignIn = 1
	}
	for _, r := range m.rows {
		if r.client != client {
			continue
		}
		n.ForClient++
		n.OldestClient = minTime(n.OldestClient, r.at)
		if r.email == email {
			n.ForAccount++
			n.OldestAccount = minTime(n.OldestAccount, r.at)
		}
		if signIn != "" && r.signIn == signIn {
			n.ForSignIn++
		}
	}
	if !keep(n) {
		return n, false, nil
	}
	m.next++
	n.ID = m.next
	m.rows[n.ID] = row{email, client, signIn, now}
	return n, true, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func (m *memoryAttempts) ReleaseLoginAttempt(_ context.Context, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.rows, id)
	return nil
}

func (m *memoryAttempts) ClearLoginFailures(_ context.Context, email, client string, _ time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, r := range m.rows {
		if r.email == email && r.client == client {
			delete(m.rows, id)
		}
	}
	return nil
}

func TestThrottle(t *testing.T) {
	ctx := context.Background()
	reserve := func(th Throttle, email, client, signIn string) (Attempt, time.Time, error) {
		t.Helper()
		a, until, err := th.Reserve(ctx, email, client, signIn)
		if err != nil && !errors.Is(err, ErrSignInEnded) {
			t.Fatal(err)
		}
		return a, until, err
	}

	t.Run("TenFailuresPerAccountFromOneAddress", func(t *testing.T) {
		th := Throttle{DB: &memoryAttempts{rows: map[int64]row{}}}
		for i := 0; i < ThrottlePerAccount; i++ {
			if _, until, _ := reserve(th, "a@example.jp", "192.0.2.1", ""); !until.IsZero() {
				t.Fatalf("attempt %d limited", i+1)
			}
		}
		_, until, _ := reserve(th, "a@example.jp", "192.0.2.1", "")
		if until.Before(time.Now().Add(ThrottleWindow - time.Minute)) {
			t.Fatalf("11th attempt: limited until %v, want about a window from now", until)
		}
		if _, until, _ := reserve(th, "b@example.jp", "192.0.2.1", ""); !until.IsZero() {
			t.Fatal("another account from the address is limited")
		}
		if _, until, _ := reserve(th, "a@example.jp", "192.0.2.2", ""); !until.IsZero() {
			t.Fatal("the account from another address is limited")
		}
	})

	t.Run("ReleasedAndSignedInDoNotCount", func(t *testing.T) {
		th := Throttle{DB: &memoryAttempts{rows: map[int64]row{}}}
		for i := 0; i < 3*ThrottlePerAccount; i++ {
			a, until, _ := reserve(th, "a@example.jp", "192.0.2.1", "")
			if !until.IsZero() {
				t.Fatalf("attempt %d limited though every one was released", i+1)
			}
			if err := a.Release(ctx); err != nil {
				t.Fatal(err)
			}
		}
		var last Attempt
		for i := 0; i < ThrottlePerAccount; i++ {
			last, _, _ = reserve(th, "a@example.jp", "192.0.2.1", "")
		}
		if err := last.SignedIn(ctx); err != nil {
			t.Fatal(err)
		}
		if _, until, _ := reserve(th, "a@example.jp", "192.0.2.1", ""); !until.IsZero() {
			t.Fatal("limited after a complete sign-in")
		}
	})

	t.Run("HundredFailuresFromOneAddress", func(t *testing.T) {
		th := Throttle{DB: &memoryAttempts{rows: map[int64]row{}}}
		for i := 0; i < ThrottlePerClient; i++ {
			reserve(th, string(rune('a'+i%26))+"@example.jp", "192.0.2.1", "")
		}
		if _, until, _ := reserve(th, "new@example.jp", "192.0.2.1", ""); until.IsZero() {
			t.Fatal("the 101st failure from one address is not limited")
		}
	})

	t.Run("FiveCodesPerPendingSignIn", func(t *testing.T) {
		th := Throttle{DB: &memoryAttempts{rows: map[int64]row{}}}
		for i := 1; i <= ThrottlePerSignIn; i++ {
			a, until, err := reserve(th, "a@example.jp", "192.0.2.1", "s1")
			if err != nil || !until.IsZero() || a.SignInFailures != i {
				t.Fatalf("code %d: %+v %v %v", i, a, until, err)
			}
		}
		if _, _, err := reserve(th, "a@example.jp", "192.0.2.1", "s1"); !errors.Is(err, ErrSignInEnded) {
			t.Fatalf("6th code: %v, want ErrSignInEnded", err)
		}
		if a, _, err := reserve(th, "a@example.jp", "192.0.2.1", "s2"); err != nil || a.SignInFailures != 1 {
			t.Fatalf("a new sign-in: %+v %v", a, err)
		}
	})

	t.Run("ParallelAttemptsStopAtTheLimit", func(t *testing.T) {
		th := Throttle{DB: &memoryAttempts{rows: map[int64]row{}}}
		var wg sync.WaitGroup
		var mu sync.Mutex
		admitted := 0
		for i := 0; i < 50; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, until, err := th.Reserve(ctx, "a@example.jp", "192.0.2.1", ""); err == nil && until.IsZero() {
					mu.Lock()
					admitted++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if admitted != ThrottlePerAccount {
			t.Fatalf("%d of 50 parallel attempts admitted, want %d", admitted, ThrottlePerAccount)
		}
	})
}

// Password checks wait for one of a few slots; a check that finds none
// within its wait gives up with ErrBusy instead of adding 64 MiB.
func TestPasswordChecksAreBounded(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < cap(hashSlots); i++ {
		hashSlots <- struct{}{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := CheckPasswordContext(ctx, h, "correct horse battery"); !errors.Is(err, ErrBusy) {
		t.Fatalf("all slots taken: %v, want ErrBusy", err)
	}
	if err := CheckDummyContext(ctx, "anything"); !errors.Is(err, ErrBusy) {
		t.Fatalf("dummy check, all slots taken: %v, want ErrBusy", err)
	}
	if waited := time.Since(start); waited > time.Second {
		t.Fatalf("gave up after %s: the request's context bounds the wait", waited)
	}
	<-hashSlots // one comes free
	if ok, err := CheckPasswordContext(context.Background(), h, "correct horse battery"); err != nil || !ok {
		t.Fatalf("with a free slot: %v %v", ok, err)
	}
	for i := 1; i < cap(hashSlots); i++ {
		<-hashSlots
	}
}
