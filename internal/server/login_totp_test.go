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
