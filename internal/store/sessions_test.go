package store_test

import (
	"context"
	"testing"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// TestSessionRevocation: a revoked session cannot be saved, replaced or
// loaded back into life.
func TestSessionRevocation(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	org, err := st.CreateOrg(ctx, "セッション株式会社", nil, "other")
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Email: "s@example.jp", Name: "担当", PasswordHash: "x", Role: assessment.Officer, OrgID: org.ID})
	if err != nil {
		t.Fatal(err)
	}
	act := store.Actor{UserID: u.ID, Email: u.Email}
	row := func(id string, uid *string) store.SessionRow {
		now := time.Now()
		return store.SessionRow{IDHash: hashOf(id), UserID: uid, Data: map[string]any{"k": id}, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	}
	create := func(id string) store.SessionRow {
		t.Helper()
		r := row(id, &u.ID)
		if err := st.CreateSession(ctx, r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	alive := func(r store.SessionRow) bool {
		_, err := st.LoadSession(ctx, r.IDHash)
		return err == nil
	}

	t.Run("SaveNeverInserts", func(t *testing.T) {
		anon := row("never-created", nil)
		if err := st.SaveSession(ctx, anon); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("saving a session that does not exist: %v", err)
		}
		if alive(anon) {
			t.Fatal("saving created the session")
		}
	})
	t.Run("SaveAfterDeleteRefused", func(t *testing.T) {
		r := create("logged-out")
		if err := st.DeleteSession(ctx, r.IDHash); err != nil {
			t.Fatal(err)
		}
		if err := st.SaveSession(ctx, r); !apperr.Is(err, apperr.NotFound) || alive(r) {
			t.Fatalf("save after sign-out: %v, alive %v", err, alive(r))
		}
	})
	t.Run("SaveCannotChangeTheUser", func(t *testing.T) {
		r := row("anonymous", nil)
		if err := st.CreateSession(ctx, r); err != nil {
			t.Fatal(err)
		}
		r.UserID = &u.ID
		if err := st.SaveSession(ctx, r); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("signing in by a save: %v", err)
		}
	})
	t.Run("RevokedGenerationDoesNotLoad", func(t *testing.T) {
		r := create("old-generation")
		keep := create("kept")
		if err := st.SetPassword(ctx, u.ID, "y", keep.IDHash, act, false); err != nil {
			t.Fatal(err)
		}
		// Even a row written back behind the revocation's back stays dead.
		if _, err := st.PoolForTest().Exec(ctx, `INSERT INTO sessions (id_hash, user_id, data, expires_at) VALUES ($1, $2, '{}', now() + interval '1 hour')`, r.IDHash, u.ID); err != nil {
			t.Fatal(err)
		}
		if alive(r) || !alive(keep) {
			t.Fatalf("after the password change: revoked alive %v, kept alive %v", alive(r), alive(keep))
		}
		if err := st.SaveSession(ctx, r); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("saving the revoked session: %v", err)
		}
		if err := st.SaveSession(ctx, keep); err != nil {
			t.Fatalf("saving the kept session: %v", err)
		}
	})
	t.Run("ReplaceOnlyALiveSession", func(t *testing.T) {
		old := create("to-rotate")
		next := row("rotated", &u.ID)
		if err := st.ReplaceSession(ctx, old.IDHash, next); err != nil {
			t.Fatal(err)
		}
		if alive(old) || !alive(next) {
			t.Fatalf("after the rotation: old alive %v, new alive %v", alive(old), alive(next))
		}
		// Revoked between the request's load and its rotation: no new row.
		if _, _, err := st.UpdateUser(ctx, u.ID, store.UserUpdate{Name: "担当", Role: assessment.Manager, OrgID: org.ID, Active: true, Actor: act}); err != nil {
			t.Fatal(err)
		}
		late := row("too-late", &u.ID)
		if err := st.ReplaceSession(ctx, next.IDHash, late); !apperr.Is(err, apperr.NotFound) || alive(late) {
			t.Fatalf("rotating a revoked session: %v, alive %v", err, alive(late))
		}
	})
	t.Run("SignInTakesTheCurrentGeneration", func(t *testing.T) {
		r := create("after-revocations")
		if !alive(r) {
			t.Fatal("a fresh sign-in after revocations does not load")
		}
	})
}
