package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mamori/internal/assessment"
)

// The sign-in routes take any mix of credentials without failing: a cookie
// session (signed in, anonymous, waiting for a code, or forged), a bearer
// token (valid or not), both, or none. The sign-in form itself wants a
// browser: with a bearer token it answers 400.
func TestSignInRoutesTakeAnyCredentials(t *testing.T) {
	awayFromStepEdge(t)
	e := newEnv(t)
	org := e.org("資格情報株式会社", nil)

	type caller struct {
		client *http.Client
		header map[string]string
		bearer bool // a valid bearer token is sent
	}
	callers := []struct {
		name string
		make func() caller
	}{
		{"None", func() caller { return caller{client: e.browser()} }},
		{"ForgedCookie", func() caller {
			c := e.browser()
			base, _ := url.Parse(e.ts.URL)
			c.Jar.SetCookies(base, []*http.Cookie{{Name: "mamori_session", Value: "forged-session-id"}})
			return caller{client: c}
		}},
		{"AnonymousSession", func() caller {
			c := e.browser()
			e.postForm(c, "/login/totp", url.Values{"code": {"000000"}}) // leaves a flash: an anonymous session
			return caller{client: c}
		}},
		{"SignedInSession", func() caller { return caller{client: e.login(e.user(org.ID, assessment.Officer, false))} }},
		{"PendingSecondFactor", func() caller {
			u := e.user(org.ID, assessment.Officer, false)
			e.setUpTOTP(e.login(u))
			c := e.browser()
			if res := e.postForm(c, "/login", url.Values{"email": {u.Email}, "password": {testPassword}}); res.Header.Get("Location") != "/login/totp" {
				t.Fatalf("password of a user with TOTP: %d → %q", res.StatusCode, res.Header.Get("Location"))
			}
			return caller{client: c}
		}},
		{"BearerToken", func() caller {
			return caller{client: e.browser(), header: map[string]string{"Authorization": "Bearer " + e.token(e.user(org.ID, assessment.Officer, false))}, bearer: true}
		}},
		{"BearerTokenAndSession", func() caller {
			u := e.user(org.ID, assessment.Officer, false)
			return caller{client: e.login(u), header: map[string]string{"Authorization": "Bearer " + e.token(u)}, bearer: true}
		}},
		{"UnknownBearerToken", func() caller {
			return caller{client: e.browser(), header: map[string]string{"Authorization": "Bearer not-a-token"}}
		}},
		{"NotBearer", func() caller {
			return caller{client: e.browser(), header: map[string]string{"Authorization": "Basic eDp5"}}
		}},
	}
	signer := e.user(org.ID, assessment.Officer, false)
	requests := []struct{ method, path, body string }{
		{"GET", "/login", ""},
		{"POST", "/login", url.Values{"email": {signer.Email}, "password": {testPassword}}.Encode()},
		{"POST", "/login", url.Values{"email": {"someone@example.jp"}, "password": {"not-the-password"}}.Encode()},
		{"GET", "/login/totp", ""},
		{"POST", "/login/totp", url.Values{"code": {"123456"}}.Encode()},
		{"POST", "/lang", url.Values{"lang": {"en"}, "next": {"/"}}.Encode()},
		{"POST", "/logout", ""},
	}
	for _, who := range callers {
		t.Run(who.name, func(t *testing.T) {
			for _, rq := range requests {
				c := who.make()
				h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
				for k, v := range c.header {
					h[k] = v
				}
				res, body := e.send(c.client, rq.method, rq.path, strings.NewReader(rq.body), h)
				if res.StatusCode >= 500 {
					t.Errorf("%s %s: status %d\n\t%.300s", rq.method, rq.path, res.StatusCode, body)
				}
				if c.bearer && rq.method == "POST" && rq.path == "/login" && res.StatusCode != http.StatusBadRequest {
					t.Errorf("POST /login with a bearer token: status %d, want 400", res.StatusCode)
				}
			}
		})
	}
}
