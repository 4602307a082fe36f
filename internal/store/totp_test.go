package store_test

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

func hashOf(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

func TestTOTPStore(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	org, err := st.CreateOrg(ctx, "二要素株式会社", nil, "other")
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Email: "t@example.jp", Name: "担当", PasswordHash: "x", Role: assessment.Officer, OrgID: org.ID})
	if err != nil {
		t.Fatal(err)
	}
	other, err := st.CreateUser(ctx, store.NewUser{Email: "o@example.jp", Name: "他", PasswordHash: "x", Role: assessment.Officer, OrgID: org.ID})
	if err != nil {
		t.Fatal(err)
	}
	act := store.Actor{UserID: u.ID, Email: u.Email}
	session := func(uid string, id string) []byte {
		t.Helper()
		now := time.Now()
		r := store.SessionRow{IDHash: hashOf(id), UserID: &uid, Data: map[string]any{}, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := st.CreateSession(ctx, r); err != nil {
			t.Fatal(err)
		}
		return r.IDHash
	}
	alive := func(h []byte) bool {
		_, err := st.LoadSession(ctx, h)
		return err == nil
	}

	if s, err := st.TOTPState(ctx, u.ID); err != nil || s.Enabled || s.Secret != "" || s.OrgRequires {
		t.Fatalf("fresh state %+v %v", s, err)
	}
	if _, err := st.TOTPState(ctx, "not-a-uuid"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("bad id: %v", err)
	}

	here, elsewhere := session(u.ID, "here"), session(u.ID, "elsewhere")
	codes := [][]byte{hashOf("a"), hashOf("b"), hashOf("c")}
	if err := st.EnableTOTP(ctx, u.ID, "SECRET", 100, codes, here, act); err != nil {
		t.Fatal(err)
	}
	t.Run("EnableSignsOutOtherSessions", func(t *testing.T) {
		if !alive(here) || alive(elsewhere) {
			t.Fatalf("here alive %v, elsewhere alive %v", alive(here), alive(elsewhere))
		}
	})
	t.Run("State", func(t *testing.T) {
		s, err := st.TOTPState(ctx, u.ID)
		if err != nil || !s.Enabled || s.Secret != "SECRET" || s.LastStep != 100 || s.RecoveryLeft != 3 {
			t.Fatalf("%+v %v", s, err)
		}
	})
	t.Run("StepAcceptedOnce", func(t *testing.T) {
		for _, c := range []struct {
			step int64
			want bool
		}{{100, false}, {99, false}, {101, true}, {101, false}, {103, true}} {
			ok, err := st.AcceptTOTPStep(ctx, u.ID, c.step)
			if err != nil || ok != c.want {
				t.Fatalf("step %d: %v %v, want %v", c.step, ok, err, c.want)
			}
		}
		if ok, _ := st.AcceptTOTPStep(ctx, other.ID, 500); ok {
			t.Fatal("a step was accepted for a user without TOTP")
		}
	})
	t.Run("RecoveryCodeSingleUse", func(t *testing.T) {
		ok, left, err := st.UseRecoveryCode(ctx, u.ID, hashOf("b"))
		if err != nil || !ok || left != 2 {
			t.Fatalf("first use: %v %d %v", ok, left, err)
		}
		if ok, _, _ := st.UseRecoveryCode(ctx, u.ID, hashOf("b")); ok {
			t.Fatal("a used code worked twice")
		}
		if ok, _, _ := st.UseRecoveryCode(ctx, other.ID, hashOf("a")); ok {
			t.Fatal("another user's code worked")
		}
		if ok, _, _ := st.UseRecoveryCode(ctx, u.ID, hashOf("zzz")); ok {
			t.Fatal("an unknown code worked")
		}
	})
	t.Run("ReplaceCodes", func(t *testing.T) {
		if err := st.ReplaceRecoveryCodes(ctx, u.ID, [][]byte{hashOf("x")}, act); err != nil {
			t.Fatal(err)
		}
		if ok, _, _ := st.UseRecoveryCode(ctx, u.ID, hashOf("a")); ok {
			t.Fatal("an old code survived the replacement")
		}
		if ok, left, _ := st.UseRecoveryCode(ctx, u.ID, hashOf("x")); !ok || left != 0 {
			t.Fatalf("new code: %v %d", ok, left)
		}
		if err := st.ReplaceRecoveryCodes(ctx, other.ID, [][]byte{hashOf("y")}, act); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("codes for a user without TOTP: %v", err)
		}
	})
	t.Run("OrgRequirementSignsOutMembersWithout", func(t *testing.T) {
		mine, theirs := session(u.ID, "mine"), session(other.ID, "theirs")
		o, err := st.SetOrgRequireTOTP(ctx, org.ID, true, store.Actor{Email: "admin"})
		if err != nil || !o.RequireTOTP {
			t.Fatalf("%+v %v", o, err)
		}
		if !alive(mine) || alive(theirs) {
			t.Fatalf("with TOTP alive %v; without TOTP alive %v", alive(mine), alive(theirs))
		}
		if got, _ := st.GetOrg(ctx, org.ID); !got.RequireTOTP {
			t.Fatal("GetOrg does not show the requirement")
		}
		if s, _ := st.TOTPState(ctx, other.ID); !s.OrgRequires {
			t.Fatal("member's state does not show the requirement")
		}
		if err := st.DisableTOTP(ctx, u.ID, act); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("disable while required: %v", err)
		}
		if _, err := st.SetOrgRequireTOTP(ctx, "00000000-0000-0000-0000-000000000000", true, act); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("unknown org: %v", err)
		}
	})
	t.Run("Disable", func(t *testing.T) {
		if _, err := st.SetOrgRequireTOTP(ctx, org.ID, false, store.Actor{Email: "admin"}); err != nil {
			t.Fatal(err)
		}
		if err := st.DisableTOTP(ctx, u.ID, act); err != nil {
			t.Fatal(err)
		}
		s, _ := st.TOTPState(ctx, u.ID)
		if s.Enabled || s.Secret != "" || s.RecoveryLeft != 0 {
			t.Fatalf("after disable: %+v", s)
		}
	})
	t.Run("Audited", func(t *testing.T) {
		var n int
		if err := st.PoolForTest().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action IN
			('user.totp_enabled', 'user.totp_disabled', 'user.recovery_code_used', 'user.recovery_codes_replaced', 'org.require_totp')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 7 { // enable, 2 codes used, replace, require on, off, disable
			t.Fatalf("%d audit entries", n)
		}
		if _, bad, err := st.VerifyAudit(ctx); err != nil || bad != 0 {
			t.Fatalf("audit chain: bad seq %d, %v", bad, err)
		}
	})
}
