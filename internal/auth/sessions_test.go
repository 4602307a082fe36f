package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"mamori/internal/assessment"
	"mamori/internal/auth"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
	"mamori/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

// TestSessionTimeouts drives the session store with an injected clock
// against a real database: the idle and absolute limits are enforced on the
// server whatever the cookie says.
func TestSessionTimeouts(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	org, err := st.CreateOrg(ctx, "時計株式会社", nil, "other")
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Email: "clock@example.jp", Name: "時計", PasswordHash: "x", Role: assessment.Officer, OrgID: org.ID})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ss := &auth.SessionStore{DB: st, Idle: 30 * time.Minute, Absolute: 2 * time.Hour, Now: func() time.Time { return now }}

	// signIn creates a signed-in session and returns its cookie.
	signIn := func(t *testing.T) *http.Cookie {
		t.Helper()
		r := httptest.NewRequest("GET", "/", nil)
		w := httptest.NewRecorder()
		s, err := ss.New(r, auth.SessionCookie)
		if err != nil {
			t.Fatal(err)
		}
		auth.SetUserID(s, u.ID)
		if err := ss.Save(r, w, s); err != nil {
			t.Fatal(err)
		}
		c := w.Result().Cookies()
		if len(c) != 1 || !c[0].HttpOnly || c[0].SameSite != http.SameSiteLaxMode {
			t.Fatalf("cookies %+v", c)
		}
		return c[0]
	}
	// visit loads the session like a request would and touches it.
	visit := func(t *testing.T, c *http.Cookie) bool {
		t.Helper()
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(c)
		s, err := ss.New(r, auth.SessionCookie)
		if err != nil {
			t.Fatal(err)
		}
		if s.IsNew {
			return false
		}
		if err := ss.Touch(r, s); err != nil {
			t.Fatal(err)
		}
		return auth.UserID(s) != ""
	}

	t.Run("IdleTimeout", func(t *testing.T) {
		now = time.Now()
		c := signIn(t)
		now = now.Add(29 * time.Minute)
		if !visit(t, c) {
			t.Fatal("session ended before the idle limit")
		}
		now = now.Add(29 * time.Minute) // 58 min after sign-in, 29 after the last visit
		if !visit(t, c) {
			t.Fatal("a visit did not move the idle deadline")
		}
		now = now.Add(31 * time.Minute)
		if visit(t, c) {
			t.Fatal("session survived 31 idle minutes")
		}
		now = now.Add(-31 * time.Minute) // the row is gone, not just refused
		if visit(t, c) {
			t.Fatal("an expired session came back")
		}
	})
	t.Run("AbsoluteTimeout", func(t *testing.T) {
		now = time.Now()
		c := signIn(t)
		for i := 0; i < 7; i++ { // 7 × 17 min = 119 min, never idle
			now = now.Add(17 * time.Minute)
			if !visit(t, c) {
				t.Fatalf("session ended at %d min", (i+1)*17)
			}
		}
		now = now.Add(2 * time.Minute) // 121 min after sign-in
		if visit(t, c) {
			t.Fatal("session outlived the absolute limit")
		}
	})
	t.Run("DatabaseDeadlineAlsoHolds", func(t *testing.T) {
		// A session whose stored deadline has passed by the database's clock
		// is refused even if this process's clock is behind.
		now = time.Now().Add(-3 * time.Hour)
		c := signIn(t)
		now = time.Now().Add(-3 * time.Hour).Add(time.Minute)
		if visit(t, c) {
			t.Fatal("the database returned a session past expires_at")
		}
	})
	t.Run("ForgedCookie", func(t *testing.T) {
		now = time.Now()
		if visit(t, &http.Cookie{Name: auth.SessionCookie, Value: auth.RandomID()}) {
			t.Fatal("a made-up session id was accepted")
		}
	})
}
