package server_test

import (
	"context"
	"mamori/internal/assessment"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestLogin(t *testing.T) {
	e := newEnv(t)
	org := e.org("テスト株式会社", nil)
	u := e.user(org.ID, assessment.Officer, false)

	t.Run("FormRenders", func(t *testing.T) {
		res, body := e.get(e.browser(), "/login")
		if res.StatusCode != 200 || !strings.Contains(body, `name="email"`) || !strings.Contains(body, "ログイン") {
			t.Fatalf("status %d, body lacks the form", res.StatusCode)
		}
	})
	t.Run("AnonymousRedirectedToLogin", func(t *testing.T) {
		res, _ := e.get(e.browser(), "/assessments")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Fatalf("status %d location %q", res.StatusCode, res.Header.Get("Location"))
		}
	})
	t.Run("Success", func(t *testing.T) {
		c := e.login(u)
		res, body := e.get(c, "/assessments")
		if res.StatusCode != 200 || !strings.Contains(body, u.Name) {
			t.Fatalf("after login: status %d", res.StatusCode)
		}
	})
	t.Run("EmailCaseInsensitive", func(t *testing.T) {
		res := e.postForm(e.browser(), "/login", url.Values{"email": {strings.ToUpper(u.Email)}, "password": {testPassword}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d", res.StatusCode)
		}
	})
	t.Run("WrongPassword", func(t *testing.T) {
		res := e.postForm(e.browser(), "/login", url.Values{"email": {u.Email}, "password": {"wrong-password-x"}})
		body := readBody(t, res)
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "正しくありません") {
			t.Fatalf("status %d", res.StatusCode)
		}
	})
	t.Run("UnknownUserSameAnswer", func(t *testing.T) {
		res := e.postForm(e.browser(), "/login", url.Values{"email": {"nobody@example.jp"}, "password": {"whatever-password"}})
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d", res.StatusCode)
		}
	})
	t.Run("OpenRedirectRefused", func(t *testing.T) {
		res := e.postForm(e.browser(), "/login", url.Values{"email": {u.Email}, "password": {testPassword}, "next": {"//evil.example/x"}})
		if loc := res.Header.Get("Location"); loc != "/" {
			t.Fatalf("redirected to %q", loc)
		}
	})
	t.Run("SessionIDRotated", func(t *testing.T) {
		c := e.browser()
		e.get(c, "/login") // no cookie is set for an anonymous visit
		res := e.postForm(c, "/login", url.Values{"email": {u.Email}, "password": {testPassword}})
		var sid string
		for _, ck := range res.Cookies() {
			if ck.Name == "mamori_session" {
				sid = ck.Value
				if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
					t.Fatalf("cookie flags: %+v", ck)
				}
			}
		}
		if sid == "" {
			t.Fatal("no session cookie")
		}
		c2 := e.login(u)
		u2, _ := url.Parse(e.ts.URL)
		for _, ck := range c2.Jar.Cookies(u2) {
			if ck.Name == "mamori_session" && ck.Value == sid {
				t.Fatal("second login reused the session id")
			}
		}
	})
	t.Run("DeactivatedUserRefused", func(t *testing.T) {
		v := e.user(org.ID, assessment.Officer, false)
		c := e.login(v)
		if _, _, err := e.st.UpdateUser(context.Background(), v.ID, storeUpdate(v, false)); err != nil {
			t.Fatal(err)
		}
		if res, _ := e.get(c, "/assessments"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("deactivated user's session still works: %d", res.StatusCode)
		}
		res := e.postForm(e.browser(), "/login", url.Values{"email": {v.Email}, "password": {testPassword}})
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("deactivated user signed in: %d", res.StatusCode)
		}
	})
}

func TestLogoutRevokesSession(t *testing.T) {
	e := newEnv(t)
	org := e.org("テスト株式会社", nil)
	u := e.user(org.ID, assessment.Officer, false)
	c := e.login(u)
	base, _ := url.Parse(e.ts.URL)
	old := c.Jar.Cookies(base)
	if res := e.postForm(c, "/logout", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	// Replay the cookie captured before logout.
	replay := e.browser()
	replay.Jar.SetCookies(base, old)
	if res, _ := e.get(replay, "/assessments"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("replayed cookie after logout: status %d", res.StatusCode)
	}
}

func TestLoginReturnsToTheFullURL(t *testing.T) {
	e := newEnv(t)
	org := e.org("テスト株式会社", nil)
	u := e.user(org.ID, assessment.Officer, false)
	c := e.browser()
	res, _ := e.get(c, "/assessments?a=1&b=2")
	loc, _ := url.Parse(res.Header.Get("Location"))
	next := loc.Query().Get("next")
	if next != "/assessments?a=1&b=2" {
		t.Fatalf("next = %q", next)
	}
	res = e.postForm(c, "/login", url.Values{"email": {u.Email}, "password": {testPassword}, "next": {next}})
	if got := res.Header.Get("Location"); got != "/assessments?a=1&b=2" {
		t.Fatalf("after login redirected to %q", got)
	}
}
