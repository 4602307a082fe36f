package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"mamori/internal/assessment"
	"mamori/internal/auth"
	"mamori/internal/store/storetest"
)

// awayFromStepEdge waits, if needed, so that the test starts at least 10 s
// before a TOTP step boundary: it uses the codes of the previous, current
// and next step, which must keep their meaning while it runs.
func awayFromStepEdge(t *testing.T) {
	if r := time.Now().Unix() % 30; r >= 20 {
		time.Sleep(time.Duration(30-r)*time.Second + 200*time.Millisecond)
	}
}

// code is the TOTP code of secret at now + offset steps.
func code(t *testing.T, secret string, offset int) string {
	t.Helper()
	c, err := auth.TOTPCode(secret, time.Now().Add(time.Duration(offset)*30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var secretRE = regexp.MustCompile(`data-testid="totp-secret">([A-Z2-7]+)<`)
var recoveryRE = regexp.MustCompile(`<li><code>([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})</code></li>`)

// setUpTOTP goes through the setup page with client c and returns the
// secret and the recovery codes shown.
func (e *env) setUpTOTP(c *http.Client) (string, []string) {
	e.t.Helper()
	res, body := e.get(c, "/account/totp")
	m := secretRE.FindStringSubmatch(body)
	if res.StatusCode != 200 || m == nil {
		e.t.Fatalf("setup page: %d, secret found %v", res.StatusCode, m != nil)
	}
	if !strings.Contains(body, `src="data:image/png;base64,`) || !strings.Contains(body, "otpauth://totp/Mamori:") {
		e.t.Fatal("setup page lacks the QR code or the URI")
	}
	secret := m[1]
	// Reloading keeps the secret (the user may have scanned it already).
	if _, again := e.get(c, "/account/totp"); !strings.Contains(again, secret) {
		e.t.Fatal("a reload changed the secret")
	}
	if res := e.postForm(c, "/account/totp/confirm", url.Values{"code": {"000000"}}); res.StatusCode != http.StatusUnprocessableEntity {
		e.t.Fatalf("wrong confirmation code: %d", res.StatusCode)
	}
	res = e.postForm(c, "/account/totp/confirm", url.Values{"code": {code(e.t, secret, -1)}})
	body = readBody(e.t, res)
	codes := recoveryRE.FindAllStringSubmatch(body, -1)
	if res.StatusCode != 200 || len(codes) != auth.RecoveryCodeCount {
		e.t.Fatalf("confirm: %d, %d recovery codes", res.StatusCode, len(codes))
	}
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = c[1]
	}
	return secret, out
}

func sessionCookie(e *env, c *http.Client) string {
	u, _ := url.Parse(e.ts.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "mamori_session" {
			return ck.Value
		}
	}
	return ""
}

func TestTOTPSignIn(t *testing.T) {
	awayFromStepEdge(t)
	e := newEnv(t)
	org := e.org("二要素株式会社", nil)
	u := e.user(org.ID, assessment.Officer, false)
	c := e.login(u)
	other := e.login(u) // a second browser, signed in before TOTP

	if _, body := e.get(c, "/account"); !strings.Contains(body, "無効") {
		t.Fatal("account page does not show TOTP off")
	}
	secret, codes := e.setUpTOTP(c)
	if res, _ := e.get(c, "/assessments"); res.StatusCode != 200 {
		t.Fatalf("the setting-up session was signed out: %d", res.StatusCode)
	}
	if res, _ := e.get(other, "/assessments"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("another session survived turning TOTP on: %d", res.StatusCode)
	}
	if _, body := e.get(c, "/account/totp"); !strings.Contains(body, `data-testid="recovery-left">未使用のリカバリーコード: 10個`) {
		t.Fatal("manage page does not count 10 recovery codes")
	}

	// password starts a sign-in and returns the browser waiting for the code.
	password := func(t *testing.T) *http.Client {
		t.Helper()
		b := e.browser()
		res := e.postForm(b, "/login", url.Values{"email": {u.Email}, "password": {testPassword}, "next": {"/assessments"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login/totp" {
			t.Fatalf("password step: %d → %q", res.StatusCode, res.Header.Get("Location"))
		}
		return b
	}

	t.Run("PasswordAloneDoesNotSignIn", func(t *testing.T) {
		b := password(t)
		if res, _ := e.get(b, "/assessments"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Fatalf("after the password only: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		if code, _ := e.api("", "GET", "/api/v1/me", nil); code != 401 {
			t.Fatalf("API: %d", code)
		}
		if res, body := e.get(b, "/login/totp"); res.StatusCode != 200 || !strings.Contains(body, `autocomplete="one-time-code"`) {
			t.Fatalf("code page: %d", res.StatusCode)
		}
	})
	t.Run("CodeCompletesSignInWithNewSessionID", func(t *testing.T) {
		b := password(t)
		pending := sessionCookie(e, b)
		if res := e.postForm(b, "/login/totp", url.Values{"code": {"123456"}}); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong code: %d", res.StatusCode)
		}
		c := code(t, secret, 0)
		res := e.postForm(b, "/login/totp", url.Values{"code": {c[:3] + " " + c[3:]}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/assessments" {
			t.Fatalf("right code: %d → %q", res.StatusCode, res.Header.Get("Location"))
		}
		if res, _ := e.get(b, "/assessments"); res.StatusCode != 200 {
			t.Fatalf("signed in: %d", res.StatusCode)
		}
		if sessionCookie(e, b) == pending {
			t.Fatal("the session id was not rotated when the sign-in completed")
		}
		replay := e.browser()
		base, _ := url.Parse(e.ts.URL)
		replay.Jar.SetCookies(base, []*http.Cookie{{Name: "mamori_session", Value: pending}})
		if res, _ := e.get(replay, "/assessments"); res.StatusCode != http.StatusSeeOther {
			t.Fatal("the pre-code session id works")
		}
	})
	t.Run("CodeAcceptedOnce", func(t *testing.T) {
		b := password(t)
		if res := e.postForm(b, "/login/totp", url.Values{"code": {code(t, secret, 0)}}); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("replayed code: %d", res.StatusCode)
		}
		if res := e.postForm(b, "/login/totp", url.Values{"code": {code(t, secret, 1)}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("next step's code: %d", res.StatusCode)
		}
	})
	t.Run("RecoveryCodeOnce", func(t *testing.T) {
		b := password(t)
		res := e.postForm(b, "/login/totp", url.Values{"code": {strings.ToUpper(codes[0])}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("recovery code: %d", res.StatusCode)
		}
		if _, body := e.get(b, "/assessments"); !strings.Contains(body, "残りは9個") {
			t.Fatal("no warning about the codes left")
		}
		b = password(t)
		if res := e.postForm(b, "/login/totp", url.Values{"code": {codes[0]}}); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("used recovery code again: %d", res.StatusCode)
		}
	})
	t.Run("FiveWrongCodesEndThePendingSignIn", func(t *testing.T) {
		if err := e.st.ClearLoginFailures(context.Background(), u.Email, "127.0.0.1", time.Hour); err != nil {
			t.Fatal(err)
		}
		b := password(t)
		for i := 1; i <= 4; i++ {
			if res := e.postForm(b, "/login/totp", url.Values{"code": {"000000"}}); res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("wrong code %d: %d", i, res.StatusCode)
			}
		}
		res := e.postForm(b, "/login/totp", url.Values{"code": {"000000"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
			t.Fatalf("5th wrong code: %d → %q", res.StatusCode, res.Header.Get("Location"))
		}
		if res := e.postForm(b, "/login/totp", url.Values{"code": {code(t, secret, 1)}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
			t.Fatalf("a right code after the pending sign-in ended: %d → %q", res.StatusCode, res.Header.Get("Location"))
		}
	})
	t.Run("CodeFailuresThrottled", func(t *testing.T) {
		// Five failures above; five more reach the per-account limit of 10.
		b := password(t)
		for i := 0; i < 4; i++ {
			e.postForm(b, "/login/totp", url.Values{"code": {"999999"}})
		}
		b = password(t)
		e.postForm(b, "/login/totp", url.Values{"code": {"999999"}})
		res := e.postForm(b, "/login/totp", url.Values{"code": {code(t, secret, 1)}})
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
			t.Fatalf("after 10 failures: %d", res.StatusCode)
		}
		if res := e.postForm(e.browser(), "/login", url.Values{"email": {u.Email}, "password": {testPassword}}); res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("password after 10 code failures: %d", res.StatusCode)
		}
	})
	t.Run("Audited", func(t *testing.T) {
		var ok, failed int
		err := storetest.DB(t, e.st).QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE action = 'login.succeeded' AND detail->>'second_factor' IS NOT NULL),
			count(*) FILTER (WHERE action = 'login.totp_failed') FROM audit_log WHERE actor_id = $1`, u.ID).Scan(&ok, &failed)
		if err != nil || ok != 3 || failed < 10 {
			t.Fatalf("audit: %d sign-ins with a second factor, %d failures, %v", ok, failed, err)
		}
	})
}

func TestTOTPManage(t *testing.T) {
	awayFromStepEdge(t)
	e := newEnv(t)
	org := e.org("管理株式会社", nil)
	u := e.user(org.ID, assessment.Officer, false)
	c := e.login(u)
	secret, codes := e.setUpTOTP(c)

	if res := e.postForm(c, "/account/totp/recovery-codes", url.Values{"code": {"111111"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("new codes with a wrong code: %d", res.StatusCode)
	}
	res := e.postForm(c, "/account/totp/recovery-codes", url.Values{"code": {code(t, secret, 0)}})
	fresh := recoveryRE.FindAllStringSubmatch(readBody(t, res), -1)
	if res.StatusCode != 200 || len(fresh) != 10 || fresh[0][1] == codes[0] {
		t.Fatalf("new codes: %d, %d codes", res.StatusCode, len(fresh))
	}
	if ok, _, _ := e.st.UseRecoveryCode(context.Background(), u.ID, auth.HashRecoveryCode(codes[1])); ok {
		t.Fatal("an old recovery code survived")
	}
	if res := e.postForm(c, "/account/totp/disable", url.Values{"code": {fresh[2][1]}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable with a recovery code: %d", res.StatusCode)
	}
	if st, _ := e.st.TOTPState(context.Background(), u.ID); st.Enabled || st.Secret != "" {
		t.Fatalf("still on: %+v", st)
	}
	// Signing in takes the password alone again.
	if res := e.postForm(e.browser(), "/login", url.Values{"email": {u.Email}, "password": {testPassword}}); res.Header.Get("Location") != "/" {
		t.Fatalf("password sign-in: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	// Tokens have no session to keep a setup secret in.
	if code, _ := e.api(e.token(u), "GET", "/account/totp", nil); code == 200 {
		t.Fatal("a token reached the setup page")
	}
}

func TestTOTPRequiredByOrganisation(t *testing.T) {
	awayFromStepEdge(t)
	e := newEnv(t)
	org := e.org("必須株式会社", nil)
	otherOrg := e.org("任意株式会社", nil)
	admin := e.user(otherOrg.ID, assessment.Manager, true)
	m := e.user(org.ID, assessment.Officer, false)
	outsider := e.user(otherOrg.ID, assessment.Officer, false)
	tok := e.token(m)
	before, outsiderC := e.login(m), e.login(outsider)

	ac := e.login(admin)
	if res := e.postForm(e.login(m), "/admin/orgs/"+org.ID+"/totp", url.Values{"require_totp": {"on"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a member set the requirement: %d", res.StatusCode)
	}
	if res := e.postForm(ac, "/admin/orgs/"+org.ID+"/totp", url.Values{"require_totp": {"on"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin: %d", res.StatusCode)
	}
	if _, body := e.get(ac, "/admin/orgs/"+org.ID); !strings.Contains(body, `checked`) || !strings.Contains(body, `data-testid="org-require-totp"`) {
		t.Fatal("the org page does not show the requirement")
	}
	if res, _ := e.get(before, "/assessments"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a member without TOTP kept their session: %d", res.StatusCode)
	}
	if res, _ := e.get(outsiderC, "/assessments"); res.StatusCode != 200 {
		t.Fatalf("another organisation's member was signed out: %d", res.StatusCode)
	}

	c := e.browser()
	res := e.postForm(c, "/login", url.Values{"email": {m.Email}, "password": {testPassword}, "next": {"/assessments"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account/totp" {
		t.Fatalf("sign-in: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	for _, path := range []string{"/assessments", "/account", "/", "/reviews"} {
		if res, _ := e.get(c, path); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account/totp" {
			t.Errorf("%s before setup: %d → %q", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
	if res := e.postForm(c, "/assessments", url.Values{"title": {"x"}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account/totp" {
		t.Errorf("POST before setup: %d", res.StatusCode)
	}
	if res, body := e.get(c, "/api/v1/me"); res.StatusCode != http.StatusForbidden || !strings.Contains(body, "totp_setup_required") {
		t.Errorf("API with the session before setup: %d %s", res.StatusCode, body)
	}
	if _, body := e.get(c, "/account/totp"); !strings.Contains(body, `data-testid="totp-required"`) {
		t.Error("the setup page does not say why")
	}
	// A token predates the requirement and is not a browser session: it works.
	if code, _ := e.api(tok, "GET", "/api/v1/me", nil); code != 200 {
		t.Errorf("token: %d", code)
	}

	secret, _ := e.setUpTOTP(c)
	if res, _ := e.get(c, "/assessments"); res.StatusCode != 200 {
		t.Fatalf("after setup: %d", res.StatusCode)
	}
	if res := e.postForm(c, "/account/totp/disable", url.Values{"code": {code(t, secret, 0)}}); res.StatusCode != http.StatusConflict {
		t.Fatalf("disable while required: %d", res.StatusCode)
	}
	if st, _ := e.st.TOTPState(context.Background(), m.ID); !st.Enabled {
		t.Fatal("TOTP was turned off despite the requirement")
	}
	// From now on the member signs in with a code.
	res = e.postForm(e.browser(), "/login", url.Values{"email": {m.Email}, "password": {testPassword}})
	if res.Header.Get("Location") != "/login/totp" {
		t.Fatalf("sign-in after setup → %q", res.Header.Get("Location"))
	}
	var n int
	if err := storetest.DB(t, e.st).QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'org.require_totp' AND org_id = $1`, org.ID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("audit: %d %v", n, err)
	}
}
