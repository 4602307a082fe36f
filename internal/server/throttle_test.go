package server_test

import (
	"context"
	"fmt"
	"mamori/internal/assessment"
	"mamori/internal/auth"
	"mamori/internal/config"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

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

// Behind a proxy the client's address is the entry the proxy appended (the
// last one): the first entries of X-Forwarded-For are whatever the client
// sent, so taking the first let anyone escape the sign-in throttle by
// changing it on each try.
func TestLoginThrottleIgnoresSpoofedForwardedFor(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.TrustProxy = true })
	org := e.org("プロキシ株式会社", nil)
	u := e.user(org.ID, assessment.Officer, false)
	post := func(password, xff string) int {
		res, _ := e.send(nil, "POST", "/login", strings.NewReader(url.Values{"email": {u.Email}, "password": {password}}.Encode()),
			map[string]string{"Content-Type": formType, "X-Forwarded-For": xff})
		return res.StatusCode
	}
	for i := 0; i < 10; i++ {
		// The attacker invents a new address each time; the proxy appends
		// the real one (203.0.113.7).
		if code := post("not-the-password", fmt.Sprintf("198.51.100.%d, 203.0.113.7", i)); code != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d", i+1, code)
		}
	}
	if code := post(testPassword, "192.0.2.99, 203.0.113.7"); code != http.StatusTooManyRequests {
		t.Fatalf("11th try with a spoofed first address: status %d, want 429", code)
	}
	// Another real client (another last entry) is not locked out.
	if code := post(testPassword, "203.0.113.8"); code != http.StatusSeeOther {
		t.Fatalf("another client: status %d, want 303", code)
	}
}

// A signed-in session is no unthrottled oracle for the password (the
// password change checks the current one) or the second factor (disabling
// it checks a code): wrong answers count towards the sign-in throttle.
func TestReauthenticationIsThrottled(t *testing.T) {
	awayFromStepEdge(t)
	e := newEnv(t)
	org := e.org("再認証株式会社", nil)

	t.Run("Password", func(t *testing.T) {
		u := e.user(org.ID, assessment.Officer, false)
		c := e.login(u)
		for i := 0; i < 10; i++ {
			if res := e.postForm(c, "/account/password", url.Values{"current": {fmt.Sprintf("guess-number-%d", i)}, "new": {"an-entirely-new-passphrase"}}); res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("guess %d: status %d", i+1, res.StatusCode)
			}
		}
		res := e.postForm(c, "/account/password", url.Values{"current": {testPassword}, "new": {"an-entirely-new-passphrase"}})
		if res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("11th try: status %d, want 429", res.StatusCode)
		}
		if res := e.postForm(e.browser(), "/login", url.Values{"email": {u.Email}, "password": {testPassword}}); res.StatusCode == http.StatusSeeOther {
			// The throttle holds the sign-in too; the password must not have changed.
			t.Fatal("the throttle does not hold the sign-in")
		}
		got, _ := e.st.GetUser(context.Background(), u.ID)
		if ok, _ := auth.CheckPassword(got.PasswordHash, testPassword); !ok {
			t.Fatal("the password was changed while throttled")
		}
	})

	t.Run("SecondFactor", func(t *testing.T) {
		u := e.user(org.ID, assessment.Officer, false)
		c := e.login(u)
		secret, _ := e.setUpTOTP(c)
		for i := 0; i < 10; i++ {
			if res := e.postForm(c, "/account/totp/disable", url.Values{"code": {fmt.Sprintf("%06d", i)}}); res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("guess %d: status %d", i+1, res.StatusCode)
			}
		}
		if res := e.postForm(c, "/account/totp/disable", url.Values{"code": {code(t, secret, 0)}}); res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("11th try: status %d, want 429", res.StatusCode)
		}
		if st, _ := e.st.TOTPState(context.Background(), u.ID); !st.Enabled {
			t.Fatal("the second factor was disabled while throttled")
		}
	})
}
