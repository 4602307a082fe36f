package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"mamori/internal/assessment"
	"mamori/internal/config"
	"mamori/internal/secretbox"
	"mamori/internal/sso"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

var ssoTestKey = []byte("0123456789abcdef0123456789abcdef")

// ssoEnv is a server with MAMORI_SECRET_KEY, a test provider and an
// organisation whose provider signs in example.co.jp.
type ssoEnv struct {
	*env
	idp      *testIdP
	org      store.Org
	provider store.SSOProvider
}

func newSSOEnv(t *testing.T, jit bool) *ssoEnv {
	e := newEnv(t, func(c *config.Config) { c.SecretKey = ssoTestKey })
	idp := newTestIdP(t)
	org := e.org("SSO株式会社", nil)
	box, _ := secretbox.New(ssoTestKey)
	sealed, err := box.Seal([]byte(idp.secret), sso.SecretPurpose)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.st.CreateSSOProvider(context.Background(), store.SSOProvider{OrgID: org.ID, Name: "Test IdP", Issuer: idp.issuer, ClientID: idp.clientID,
		SecretSealed: sealed, Domains: []string{"example.co.jp"}, DefaultRole: assessment.Officer, GroupsClaim: "groups",
		GroupRoles: map[string]assessment.Role{"sec-audit": assessment.Auditor}, JIT: jit, ShowButton: true}, store.Actor{Email: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return &ssoEnv{env: e, idp: idp, org: org, provider: p}
}

func person(email string, extra ...any) map[string]any {
	c := map[string]any{"sub": "sub-" + email, "email": email, "email_verified": true, "name": "利用者 " + email}
	for i := 0; i+1 < len(extra); i += 2 {
		c[extra[i].(string)] = extra[i+1]
	}
	return c
}

// startSSO posts the email-first form and follows the provider's redirect;
// it returns the callback URL the provider sends the browser to.
func (e *ssoEnv) startSSO(c *http.Client, email string) string {
	e.t.Helper()
	res := e.postForm(c, "/login/sso", url.Values{"email": {email}, "next": {"/assessments"}})
	to := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(to, e.idp.issuer+"/authorize?") {
		e.t.Fatalf("POST /login/sso %s: %d to %q", email, res.StatusCode, to)
	}
	for _, p := range []string{"code_challenge=", "code_challenge_method=S256", "nonce=", "state=", "login_hint="} {
		if !strings.Contains(to, p) {
			e.t.Fatalf("authorisation request without %s: %s", p, to)
		}
	}
	res, err := c.Get(to)
	if err != nil {
		e.t.Fatal(err)
	}
	readBody(e.t, res)
	cb := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(cb, e.ts.URL+"/login/sso/callback?") {
		e.t.Fatalf("provider answered %d to %q", res.StatusCode, cb)
	}
	return cb
}

// callback follows the provider's redirect back to Mamori.
func (e *ssoEnv) callback(c *http.Client, cb string) (*http.Response, string) {
	e.t.Helper()
	res, err := c.Get(cb)
	if err != nil {
		e.t.Fatal(err)
	}
	return res, readBody(e.t, res)
}

// signIn runs the whole flow and expects a signed-in session.
func (e *ssoEnv) signIn(claims map[string]any) *http.Client {
	e.t.Helper()
	e.idp.signIn(claims)
	c := e.browser()
	res, body := e.callback(c, e.startSSO(c, claims["email"].(string)))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/assessments" {
		e.t.Fatalf("sso sign-in of %s: %d to %q\n%.300s", claims["email"], res.StatusCode, res.Header.Get("Location"), body)
	}
	return c
}

// me is the signed-in user of c, or nil.
func (e *ssoEnv) me(c *http.Client) map[string]any {
	e.t.Helper()
	res, err := c.Get(e.ts.URL + "/api/v1/me")
	if err != nil {
		e.t.Fatal(err)
	}
	body := readBody(e.t, res)
	if res.StatusCode != http.StatusOK {
		return nil
	}
	var m map[string]any
	if err := jsonUnmarshal(body, &m); err != nil {
		e.t.Fatal(err)
	}
	return m
}

func (e *ssoEnv) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := storetest.DB(e.t, e.st).QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func TestSSOSignIn(t *testing.T) {
	e := newSSOEnv(t, true)

	t.Run("FirstSignInCreatesOfficer", func(t *testing.T) {
		c := e.signIn(person("hanako@example.co.jp"))
		me := e.me(c)
		if me == nil || me["email"] != "hanako@example.co.jp" || me["role"] != "officer" || me["org_id"] != e.org.ID {
			t.Fatalf("signed in as %v", me)
		}
		if n := e.count(`SELECT count(*) FROM audit_log WHERE action IN ('sso.account_created', 'sso.signed_in') AND actor = 'hanako@example.co.jp'`); n != 2 {
			t.Fatalf("%d audit entries for the first sign-in, want 2", n)
		}
	})
	t.Run("SessionLikePassword", func(t *testing.T) {
		c := e.browser()
		e.get(c, "/login") // an anonymous visit: no cookie
		e.idp.signIn(person("rotate@example.co.jp"))
		cb := e.startSSO(c, "rotate@example.co.jp")
		before := cookieValue(c, e.ts.URL, "mamori_session")
		if res, _ := e.callback(c, cb); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("callback: %d", res.StatusCode)
		}
		after := cookieValue(c, e.ts.URL, "mamori_session")
		if before == "" || after == "" || before == after {
			t.Fatalf("session id not rotated at sign-in: %q → %q", before, after)
		}
		var idle time.Duration
		if err := storetest.DB(t, e.st).QueryRow(context.Background(),
			`SELECT (expires_at - last_seen_at) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'rotate@example.co.jp'`).Scan(&idle); err != nil {
			t.Fatal(err)
		}
		if idle != e.cfg.SessionIdle {
			t.Fatalf("session idle timeout %s, want %s", idle, e.cfg.SessionIdle)
		}
	})
	t.Run("GroupsClaimMakesAuditor", func(t *testing.T) {
		c := e.signIn(person("kansa@example.co.jp", "groups", []string{"staff", "sec-audit"}))
		if me := e.me(c); me == nil || me["role"] != "auditor" {
			t.Fatalf("signed in as %v", me)
		}
	})
	t.Run("RoleChangeRevokesOtherSessions", func(t *testing.T) {
		first := e.signIn(person("taro@example.co.jp"))
		second := e.signIn(person("taro@example.co.jp", "name", "太郎（監査）", "groups", []string{"sec-audit"}))
		if e.me(first) != nil {
			t.Fatal("the session from before the role change is still signed in")
		}
		if me := e.me(second); me == nil || me["role"] != "auditor" || me["name"] != "太郎（監査）" {
			t.Fatalf("after the role change: %v", me)
		}
		if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'sso.role_changed' AND actor = 'taro@example.co.jp'`); n != 1 {
			t.Fatalf("%d role-change entries", n)
		}
	})
	t.Run("DeactivatedStaysOut", func(t *testing.T) {
		u, err := e.st.UserByEmail(context.Background(), "hanako@example.co.jp")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.st.UpdateUser(context.Background(), u.ID, store.UserUpdate{Name: u.Name, Role: u.Role, OrgID: u.OrgID, Active: false, Actor: store.Actor{Email: "test"}}); err != nil {
			t.Fatal(err)
		}
		e.idp.signIn(person("hanako@example.co.jp"))
		c := e.browser()
		res, body := e.callback(c, e.startSSO(c, "hanako@example.co.jp"))
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "無効") || e.me(c) != nil {
			t.Fatalf("deactivated user: %d %.200s", res.StatusCode, body)
		}
	})
	t.Run("AdminKeepsPasswordAndSecondFactor", func(t *testing.T) {
		// A platform admin whose email is in the provider's domain: the
		// directory cannot sign them in, whatever it says.
		admin := e.user(e.org.ID, assessment.Officer, true)
		if _, err := storetest.DB(t, e.st).Exec(context.Background(), `UPDATE users SET email = 'root@example.co.jp' WHERE id = $1`, admin.ID); err != nil {
			t.Fatal(err)
		}
		e.idp.signIn(person("root@example.co.jp"))
		c := e.browser()
		res, body := e.callback(c, e.startSSO(c, "root@example.co.jp"))
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "二要素認証") || e.me(c) != nil {
			t.Fatalf("admin through the provider: %d %.200s", res.StatusCode, body)
		}
	})
	t.Run("KeyRotationWithoutRestart", func(t *testing.T) {
		e.signIn(person("before@example.co.jp"))
		reads := 0
		e.idp.set(func(idp *testIdP) { reads = idp.keyReads })
		e.idp.rotate()
		c := e.signIn(person("after@example.co.jp"))
		if e.me(c) == nil {
			t.Fatal("not signed in after the provider rotated its key")
		}
		e.idp.set(func(idp *testIdP) {
			if idp.keyReads != reads+1 {
				t.Errorf("JWKS fetched %d times after the rotation, want once", idp.keyReads-reads)
			}
		})
	})
	t.Run("EntraStyleVerifiedClaim", func(t *testing.T) {
		// Entra ID sends no email_verified; xms_edov says the domain owner
		// verified the email.
		up := e.provider
		up.SecretSealed, up.VerifiedClaim = nil, "xms_edov"
		if _, err := e.st.UpdateSSOProvider(context.Background(), e.provider.ID, up, store.Actor{Email: "test"}); err != nil {
			t.Fatal(err)
		}
		defer func() {
			up.VerifiedClaim = "email_verified"
			if _, err := e.st.UpdateSSOProvider(context.Background(), e.provider.ID, up, store.Actor{Email: "test"}); err != nil {
				t.Fatal(err)
			}
		}()
		entra := person("entra@example.co.jp", "xms_edov", true)
		delete(entra, "email_verified")
		if e.me(e.signIn(entra)) == nil {
			t.Fatal("not signed in with xms_edov true")
		}
		e.idp.signIn(person("entra2@example.co.jp")) // email_verified true, no xms_edov
		c := e.browser()
		if res, _ := e.callback(c, e.startSSO(c, "entra2@example.co.jp")); res.StatusCode != http.StatusForbidden {
			t.Fatalf("without xms_edov: %d, want 403", res.StatusCode)
		}
	})
	t.Run("ButtonStartsTheFlow", func(t *testing.T) {
		res, page := e.get(e.browser(), "/login")
		if !strings.Contains(page, `data-testid="login-email-form"`) || !strings.Contains(page, "Test IdP でサインイン") {
			t.Fatalf("login page without the email step or the button:\n%.500s", page)
		}
		// Browsers apply form-action to the redirect to the provider.
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+e.idp.issuer) {
			t.Fatalf("the sign-in page's form-action does not allow the provider: %s", csp)
		}
		res = e.postForm(e.browser(), "/login/sso", url.Values{"provider": {e.provider.ID}})
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), e.idp.issuer+"/authorize?") {
			t.Fatalf("button: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
	})
	t.Run("OtherDomainGetsPasswordForm", func(t *testing.T) {
		res := e.postForm(e.browser(), "/login/sso", url.Values{"email": {"someone@elsewhere.jp"}})
		body := readBody(t, res)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="login-form"`) || !strings.Contains(body, `value="someone@elsewhere.jp"`) {
			t.Fatalf("password step: %d\n%.300s", res.StatusCode, body)
		}
	})
	t.Run("LogoutAtProvider", func(t *testing.T) {
		c := e.signIn(person("bye@example.co.jp"))
		res := e.postForm(c, "/logout", nil)
		to := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(to, e.idp.issuer+"/logout?") || !strings.Contains(to, "id_token_hint=") ||
			!strings.Contains(to, url.QueryEscape(e.ts.URL+"/login")) {
			t.Fatalf("logout: %d to %q", res.StatusCode, to)
		}
		if e.me(c) != nil {
			t.Fatal("still signed in after logout")
		}
	})
}

func TestSSOWithoutJIT(t *testing.T) {
	e := newSSOEnv(t, false)
	e.idp.signIn(person("new@example.co.jp"))
	c := e.browser()
	res, body := e.callback(c, e.startSSO(c, "new@example.co.jp"))
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "管理者") || e.me(c) != nil {
		t.Fatalf("no JIT: %d %.300s", res.StatusCode, body)
	}
	if n := e.count(`SELECT count(*) FROM users WHERE email = 'new@example.co.jp'`); n != 0 {
		t.Fatal("an account was created without JIT")
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'sso.refused' AND detail->>'reason' = 'sso.no_account'`); n != 1 {
		t.Fatalf("%d refusal entries", n)
	}
	// An existing account signs in all the same.
	u := e.user(e.org.ID, assessment.Manager, false)
	if _, err := storetest.DB(t, e.st).Exec(context.Background(), `UPDATE users SET email = 'boss@example.co.jp' WHERE id = $1`, u.ID); err != nil {
		t.Fatal(err)
	}
	if me := e.me(e.signIn(person("boss@example.co.jp"))); me == nil || me["id"] != u.ID || me["role"] != "officer" {
		t.Fatalf("existing account: %v (the default role applies: no group maps)", me)
	}
}

// TestSSOBadInput: every forged or altered answer fails with a page in the
// user's language, writes an audit entry and nothing else, and leaves no
// session.
func TestSSOBadInput(t *testing.T) {
	e := newSSOEnv(t, true)
	normal := func(*testIdP) {}
	cases := []struct {
		name   string
		claims map[string]any
		idp    func(*testIdP)
		alter  func(t *testing.T, c *http.Client, cb string) string // changes the callback URL
		status int
		reason string
		text   string
	}{
		{name: "WrongState", alter: func(_ *testing.T, _ *http.Client, cb string) string { return replaceParam(cb, "state", "forged-state") },
			status: 400, reason: "state", text: "無効か期限切れ"},
		{name: "ProviderSaysError", alter: func(_ *testing.T, _ *http.Client, cb string) string {
			return replaceParam(cb, "error", "access_denied")
		},
			status: 403, reason: "provider_error:access_denied", text: "拒否しました"},
		{name: "ReplayedState", alter: func(t *testing.T, c *http.Client, cb string) string {
			// The callback is used once by the victim; the same URL again is refused.
			other := e.browser()
			if res, _ := e.callback(c, cb); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("first use: %d", res.StatusCode)
			}
			*c = *other
			return cb
		}, status: 400, reason: "state", text: "無効か期限切れ"},
		{name: "NonceMismatch", idp: func(idp *testIdP) { idp.mutate = func(c map[string]any) { c["nonce"] = "another-nonce" } }, status: 403, reason: "nonce", text: "検証できません"},
		{name: "Expired", idp: func(idp *testIdP) {
			idp.mutate = func(c map[string]any) {
				c["exp"], c["iat"] = time.Now().Add(-time.Hour).Unix(), time.Now().Add(-2*time.Hour).Unix()
			}
		}, status: 403, reason: "token_expired", text: "検証できません"},
		{name: "WrongAudience", idp: func(idp *testIdP) { idp.mutate = func(c map[string]any) { c["aud"] = "another-client" } }, status: 403, reason: "token_audience", text: "検証できません"},
		{name: "WrongIssuer", idp: func(idp *testIdP) { idp.mutate = func(c map[string]any) { c["iss"] = "https://evil.example" } }, status: 403, reason: "token_issuer", text: "検証できません"},
		{name: "AlgNone", idp: func(idp *testIdP) { idp.algNone = true }, status: 403, reason: "token_", text: "検証できません"},
		{name: "UnknownKey", idp: func(idp *testIdP) { idp.stranger = true }, status: 403, reason: "token_signature", text: "検証できません"},
		{name: "UnverifiedEmail", claims: person("unverified@example.co.jp", "email_verified", false), status: 403, reason: "email_unverified", text: "確認済み"},
		{name: "EmailOutsideDomains", claims: person("mallory@evil.example"), status: 403, reason: "email_domain", text: "mallory@evil.example"},
		{name: "ProviderDeleted", alter: func(t *testing.T, _ *http.Client, cb string) string {
			if err := e.st.DeleteSSOProvider(context.Background(), e.provider.ID, store.Actor{Email: "test"}); err != nil {
				t.Fatal(err)
			}
			return cb
		}, status: 409, reason: "provider_deleted", text: "削除されました"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			claims := tc.claims
			if claims == nil {
				claims = person(strings.ToLower(tc.name) + "@example.co.jp")
			}
			email := claims["email"].(string)
			e.idp.set(func(idp *testIdP) { idp.mutate, idp.algNone, idp.stranger = nil, false, false })
			e.idp.signIn(claims)
			c := e.browser()
			// The domain decides the provider: an email outside its domains
			// starts with the button.
			var cb string
			if strings.HasSuffix(email, "@example.co.jp") {
				cb = e.startSSO(c, email)
			} else {
				res := e.postForm(c, "/login/sso", url.Values{"provider": {e.provider.ID}})
				r2, err := c.Get(res.Header.Get("Location"))
				if err != nil {
					t.Fatal(err)
				}
				readBody(t, r2)
				cb = r2.Header.Get("Location")
			}
			setup := tc.idp
			if setup == nil {
				setup = normal
			}
			e.idp.set(setup)
			if tc.alter != nil {
				cb = tc.alter(t, c, cb)
			}
			users := e.count(`SELECT count(*) FROM users`)
			sessions := e.count(`SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1`, email)
			refusals := e.count(`SELECT count(*) FROM audit_log WHERE action = 'sso.refused' AND detail->>'reason' LIKE $1 || '%'`, tc.reason)
			others := e.count(`SELECT count(*) FROM audit_log WHERE action <> 'sso.refused'`)
			res, body := e.callback(c, cb)
			if res.StatusCode != tc.status || !strings.Contains(body, tc.text) || !strings.Contains(body, `data-testid="error-page"`) {
				t.Fatalf("status %d, want %d with %q:\n%.600s", res.StatusCode, tc.status, tc.text, body)
			}
			if e.me(c) != nil {
				t.Fatal("signed in after a refused sign-in")
			}
			if n := e.count(`SELECT count(*) FROM users`); n != users {
				t.Fatalf("users %d → %d", users, n)
			}
			if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'sso.refused' AND detail->>'reason' LIKE $1 || '%'`, tc.reason); n != refusals+1 {
				t.Fatalf("refusal entries with reason %s: %d → %d", tc.reason, refusals, n)
			}
			if n := e.count(`SELECT count(*) FROM audit_log WHERE action <> 'sso.refused'`); n != others {
				t.Fatalf("other audit entries %d → %d", others, n)
			}
			if n := e.count(`SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1`, email); n != sessions {
				t.Fatalf("sessions of %s: %d → %d", email, sessions, n)
			}
		})
	}
}

func TestSSOProviderUnreachable(t *testing.T) {
	t.Run("AtTheCallback", func(t *testing.T) {
		e := newSSOEnv(t, true)
		e.idp.signIn(person("late@example.co.jp"))
		c := e.browser()
		cb := e.startSSO(c, "late@example.co.jp")
		e.idp.srv.Close() // gone between the redirect and the code exchange
		res, body := e.callback(c, cb)
		if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "接続できません") || e.me(c) != nil {
			t.Fatalf("unreachable at the callback: %d %.300s", res.StatusCode, body)
		}
		if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'sso.refused' AND detail->>'reason' = 'unreachable'`); n != 1 {
			t.Fatalf("%d refusal entries", n)
		}
	})
	e := newSSOEnv(t, true)
	e.idp.srv.Close()
	c := e.browser()
	res := e.postForm(c, "/login/sso", url.Values{"email": {"hanako@example.co.jp"}})
	body := readBody(t, res)
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "接続できません") {
		t.Fatalf("unreachable provider: %d %.300s", res.StatusCode, body)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'sso.refused' AND detail->>'reason' = 'unreachable'`); n != 1 {
		t.Fatalf("%d refusal entries", n)
	}
	if e.me(c) != nil {
		t.Fatal("signed in")
	}
}

func TestPasswordSignInSwitchedOff(t *testing.T) {
	e := newSSOEnv(t, true)
	officer := e.user(e.org.ID, assessment.Officer, false)
	breakGlass := e.user(e.org.ID, assessment.Manager, true)
	tok := e.token(officer)
	if err := e.st.SetPasswordLogin(context.Background(), e.org.ID, false, store.Actor{Email: "test"}); err != nil {
		t.Fatal(err)
	}
	res := e.postForm(e.browser(), "/login", url.Values{"email": {officer.Email}, "password": {testPassword}})
	if body := readBody(t, res); res.StatusCode != http.StatusForbidden || !strings.Contains(body, "パスワードによるサインインは無効") {
		t.Fatalf("officer's password sign-in: %d %.300s", res.StatusCode, body)
	}
	if res := e.postForm(e.browser(), "/login", url.Values{"email": {breakGlass.Email}, "password": {testPassword}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("break-glass admin: %d", res.StatusCode)
	}
	if code, _ := e.api(tok, "GET", "/api/v1/me", nil); code != http.StatusOK {
		t.Fatalf("API token after password sign-in was switched off: %d", code)
	}
}

func TestSSOAdminPages(t *testing.T) {
	e := newSSOEnv(t, true)
	admin := e.user(e.org.ID, assessment.Manager, true)
	c := e.login(admin)
	form := url.Values{"org_id": {e.org.ID}, "name": {"Second"}, "issuer": {e.idp.issuer}, "client_id": {"c2"}, "client_secret": {"s2"},
		"domains": {"sub.example.co.jp, example.co.jp"}, "default_role": {"officer"}}
	t.Run("DomainTaken422", func(t *testing.T) {
		res := e.postForm(c, "/admin/sso", form)
		if body := readBody(t, res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "別の ID プロバイダー") {
			t.Fatalf("taken domain: %d %.300s", res.StatusCode, body)
		}
	})
	t.Run("AddAndRemove", func(t *testing.T) {
		form.Set("domains", "sub.example.co.jp")
		res := e.postForm(c, "/admin/sso", form)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/sso/") {
			t.Fatalf("add: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		path := res.Header.Get("Location")
		_, page := e.get(c, path)
		if !strings.Contains(page, e.ts.URL+"/login/sso/callback") || strings.Contains(page, "s2") && strings.Contains(page, `value="s2"`) {
			t.Fatalf("provider page: redirect URI missing or secret shown\n%.500s", page)
		}
		if res := e.postForm(c, path+"/remove", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("remove: %d", res.StatusCode)
		}
		if res, _ := e.get(c, path); res.StatusCode != http.StatusNotFound {
			t.Fatalf("after remove: %d", res.StatusCode)
		}
	})
	t.Run("TestSignInShowsClaims", func(t *testing.T) {
		e.idp.signIn(person("probe@example.co.jp", "groups", []string{"sec-audit"}))
		res := e.postForm(c, "/admin/sso/"+e.provider.ID+"/test", nil)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("test: %d", res.StatusCode)
		}
		r2, err := c.Get(res.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, r2)
		res3, body := e.callback(c, r2.Header.Get("Location"))
		if res3.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="sso-claims"`) || !strings.Contains(body, "probe@example.co.jp") || !strings.Contains(body, "sec-audit") {
			t.Fatalf("test result: %d %.800s", res3.StatusCode, body)
		}
		if n := e.count(`SELECT count(*) FROM users WHERE email = 'probe@example.co.jp'`); n != 0 {
			t.Fatal("a test sign-in created an account")
		}
		if me := e.me(c); me == nil || me["id"] != admin.ID {
			t.Fatalf("the admin's session changed: %v", me)
		}
	})
	t.Run("NoSecretKey", func(t *testing.T) {
		plain := newEnv(t)
		org := plain.org("鍵なし", nil)
		a := plain.user(org.ID, assessment.Manager, true)
		res := plain.postForm(plain.login(a), "/admin/sso", url.Values{"org_id": {org.ID}, "name": {"X"}, "issuer": {"https://idp.example.jp"}, "client_id": {"c"},
			"client_secret": {"s"}, "domains": {"nokey.example.jp"}, "default_role": {"officer"}})
		if body := readBody(t, res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "MAMORI_SECRET_KEY") {
			t.Fatalf("without a key: %d %.300s", res.StatusCode, body)
		}
	})
}

func replaceParam(raw, key, value string) string {
	u, _ := url.Parse(raw)
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

func cookieValue(c *http.Client, base, name string) string {
	u, _ := url.Parse(base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}
