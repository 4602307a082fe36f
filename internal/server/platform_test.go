package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mamori/internal/assessment"
	"mamori/internal/store"
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

func TestLoginThrottling(t *testing.T) {
	e := newEnv(t)
	org := e.org("テスト株式会社", nil)
	u := e.user(org.ID, assessment.Officer, false)
	other := e.user(org.ID, assessment.Officer, false)
	bad := url.Values{"email": {u.Email}, "password": {"not-the-password"}}
	for i := 0; i < 10; i++ {
		if res := e.postForm(e.browser(), "/login", bad); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d", i+1, res.StatusCode)
		}
	}
	res := e.postForm(e.browser(), "/login", url.Values{"email": {u.Email}, "password": {testPassword}})
	body := readBody(t, res)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(body, "再度お試しください") {
		t.Fatalf("11th attempt: status %d retry-after %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	// Another account from the same address is not locked out by one
	// person's typos.
	if res := e.postForm(e.browser(), "/login", url.Values{"email": {other.Email}, "password": {testPassword}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("other account: status %d", res.StatusCode)
	}
	// 100 failures from one address block it for every account.
	for i := 0; i < 90; i++ { // 10 above + 90 = 100
		e.postForm(e.browser(), "/login", url.Values{"email": {"x" + string(rune('a'+i%26)) + "@example.jp"}, "password": {"nope-nope-nope"}})
	}
	if res := e.postForm(e.browser(), "/login", url.Values{"email": {other.Email}, "password": {testPassword}}); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after 100 failures from one address: status %d", res.StatusCode)
	}
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

func TestCrossOriginRefused(t *testing.T) {
	e := newEnv(t)
	org := e.org("テスト株式会社", nil)
	u := e.user(org.ID, assessment.Officer, false)
	c := e.login(u)
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "https://evil.example"},
	} {
		req, _ := http.NewRequest("POST", e.ts.URL+"/assessments", strings.NewReader("title=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, res)
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("%v: status %d", h, res.StatusCode)
		}
	}
	as, _ := e.st.ListAssessments(context.Background(), []string{org.ID})
	if len(as) != 0 {
		t.Fatalf("a cross-origin request created %d assessments", len(as))
	}
	// Same-origin browser requests pass.
	req, _ := http.NewRequest("POST", e.ts.URL+"/assessments", strings.NewReader("title=ok"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, _ := c.Do(req)
	readBody(t, res)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("same-origin: status %d", res.StatusCode)
	}
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

func TestHealth(t *testing.T) {
	e := newEnv(t)
	if code, body := e.api("", "GET", "/healthz", nil); code != 200 || body["status"] != "ok" {
		t.Fatalf("healthz %d %v", code, body)
	}
	if code, body := e.api("", "GET", "/readyz", nil); code != 200 || body["status"] != "ready" {
		t.Fatalf("readyz %d %v", code, body)
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	res, _ := e.get(e.browser(), "/login")
	for k, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "same-origin",
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s = %q", k, got)
		}
	}
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
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
