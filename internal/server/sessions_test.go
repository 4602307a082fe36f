package server_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"mamori/internal/assessment"
	"mamori/internal/config"
	"mamori/internal/store"
)

// signedIn reports whether the client's session still opens a page.
func (e *env) signedIn(c *http.Client) bool {
	e.t.Helper()
	res, _ := e.get(c, "/account")
	switch res.StatusCode {
	case http.StatusOK:
		return true
	case http.StatusSeeOther:
		return false
	}
	e.t.Fatalf("GET /account: %d", res.StatusCode)
	return false
}

func TestPrivilegeChangeEndsSessions(t *testing.T) {
	e := newEnv(t)
	org := e.org("権限株式会社", nil)
	other := e.org("異動先株式会社", nil)
	admin := e.user(org.ID, assessment.Manager, true)
	ac := e.login(admin)
	change := func(t *testing.T, u store.User, v url.Values) {
		t.Helper()
		if res := e.postForm(ac, "/admin/users/"+u.ID, v); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("admin update: %d", res.StatusCode)
		}
	}
	form := func(u store.User, role, orgID string, admin bool) url.Values {
		v := url.Values{"name": {u.Name}, "role": {role}, "org_id": {orgID}, "active": {"1"}}
		if admin {
			v.Set("admin", "1")
		}
		return v
	}
	for _, c := range []struct {
		name string
		edit func(u store.User) url.Values
		ends bool
	}{
		{"NameOnlyKeepsSession", func(u store.User) url.Values {
			v := form(u, "officer", org.ID, false)
			v.Set("name", "改名")
			return v
		}, false},
		{"RoleChange", func(u store.User) url.Values { return form(u, "manager", org.ID, false) }, true},
		{"OrganisationChange", func(u store.User) url.Values { return form(u, "officer", other.ID, false) }, true},
		{"AdminGranted", func(u store.User) url.Values { return form(u, "officer", org.ID, true) }, true},
		{"Deactivated", func(u store.User) url.Values { v := form(u, "officer", org.ID, false); v.Del("active"); return v }, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := e.user(org.ID, assessment.Officer, false)
			s1, s2 := e.login(u), e.login(u)
			change(t, u, c.edit(u))
			if got := e.signedIn(s1) || e.signedIn(s2); got == c.ends {
				t.Fatalf("sessions signed in after the change: %v, want %v", got, !c.ends)
			}
		})
	}
	t.Run("NewPrivilegesAfterSignIn", func(t *testing.T) {
		u := e.user(org.ID, assessment.Officer, false)
		change(t, u, form(u, "officer", org.ID, true))
		if res, _ := e.get(e.login(u), "/admin/users"); res.StatusCode != 200 {
			t.Fatalf("promoted user at /admin/users: %d", res.StatusCode)
		}
	})
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	e := newEnv(t)
	org := e.org("合言葉株式会社", nil)
	u := e.user(org.ID, assessment.Officer, false)
	here, there := e.login(u), e.login(u)
	res := e.postForm(here, "/account/password", url.Values{"current": {testPassword}, "new": {"a-new-and-long-passphrase"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d", res.StatusCode)
	}
	if !e.signedIn(here) {
		t.Fatal("the session that changed the password was signed out")
	}
	if e.signedIn(there) {
		t.Fatal("another session survived the password change")
	}
	if res := e.postForm(e.browser(), "/login", url.Values{"email": {u.Email}, "password": {testPassword}}); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("old password: %d", res.StatusCode)
	}
	t.Run("WeakNewPasswordRefused", func(t *testing.T) {
		for _, pw := range []string{"short-pw", "Password2024!", "qwertyuiop123"} {
			res := e.postForm(here, "/account/password", url.Values{"current": {"a-new-and-long-passphrase"}, "new": {pw}})
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%q: %d", pw, res.StatusCode)
			}
		}
	})
	t.Run("AdminResetEndsAll", func(t *testing.T) {
		admin := e.user(org.ID, assessment.Manager, true)
		s := e.login(admin)
		if res := e.postForm(s, "/admin/users/"+u.ID+"/password", url.Values{}); res.StatusCode != 200 {
			t.Fatalf("reset: %d", res.StatusCode)
		}
		if e.signedIn(here) {
			t.Fatal("a session survived an administrator's password reset")
		}
	})
}

func TestDeactivationStopsSessionsAndTokens(t *testing.T) {
	e := newEnv(t)
	org := e.org("退職株式会社", nil)
	u := e.user(org.ID, assessment.Officer, false)
	c, tok := e.login(u), e.token(u)
	if code, _ := e.api(tok, "GET", "/api/v1/me", nil); code != 200 || !e.signedIn(c) {
		t.Fatalf("before: token %d", code)
	}
	if _, _, err := e.st.UpdateUser(context.Background(), u.ID, storeUpdate(u, false)); err != nil {
		t.Fatal(err)
	}
	if code, _ := e.api(tok, "GET", "/api/v1/me", nil); code != http.StatusUnauthorized {
		t.Fatalf("deactivated user's token: %d", code)
	}
	if e.signedIn(c) {
		t.Fatal("deactivated user's session still works")
	}
	// Reactivation does not bring back the old session.
	if _, _, err := e.st.UpdateUser(context.Background(), u.ID, storeUpdate(u, true)); err != nil {
		t.Fatal(err)
	}
	if e.signedIn(c) {
		t.Fatal("the old session came back with the reactivation")
	}
}

// TestSessionTimeoutsOnTheServer shortens the timeouts (MAMORI_SESSION_IDLE,
// MAMORI_SESSION_ABSOLUTE) and waits them out with a real clock; the unit
// test in internal/auth covers the same rules with an injected clock.
func TestSessionTimeoutsOnTheServer(t *testing.T) {
	t.Parallel()
	org := func(e *env) store.User { return e.user(e.org("時間株式会社", nil).ID, assessment.Officer, false) }
	t.Run("Idle", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, func(c *config.Config) { c.SessionIdle = time.Second })
		c := e.login(org(e))
		if !e.signedIn(c) {
			t.Fatal("signed out at once")
		}
		time.Sleep(1200 * time.Millisecond)
		if e.signedIn(c) {
			t.Fatal("session outlived the idle timeout")
		}
	})
	t.Run("Absolute", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, func(c *config.Config) { c.SessionAbsolute = time.Second })
		c := e.login(org(e))
		time.Sleep(1200 * time.Millisecond)
		if e.signedIn(c) {
			t.Fatal("session outlived the absolute timeout")
		}
	})
}

func TestTokenAuth(t *testing.T) {
	e := newEnv(t)
	org := e.org("テスト株式会社", nil)
	u := e.user(org.ID, assessment.Officer, false)
	tok := e.token(u)
	if code, body := e.api(tok, "GET", "/api/v1/me", nil); code != 200 || body["email"] != u.Email {
		t.Fatalf("me: %d %v", code, body)
	}
	if code, body := e.api("", "GET", "/api/v1/me", nil); code != 401 || errCode(body) != "unauthorized" {
		t.Fatalf("anonymous: %d %v", code, body)
	}
	if code, _ := e.api("mamori_forged", "GET", "/api/v1/me", nil); code != 401 {
		t.Fatalf("forged token: %d", code)
	}
	// Revoked tokens stop working at once.
	toks, _ := e.st.ListTokens(context.Background(), u.ID)
	if _, err := e.st.RevokeToken(context.Background(), u.ID, toks[0].ID, store.Actor{Email: "test"}); err != nil {
		t.Fatal(err)
	}
	if code, _ := e.api(tok, "GET", "/api/v1/me", nil); code != 401 {
		t.Fatalf("revoked token: %d", code)
	}
}
