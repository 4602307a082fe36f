package server_test

import (
	"context"
	"mamori/internal/assessment"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestAccountPage(t *testing.T) {
	e := newEnv(t)
	org := e.org("アカウント株式会社", nil)
	u := e.user(org.ID, assessment.Officer, false)
	c := e.login(u)
	other := e.login(u) // a second device

	res := e.postForm(c, "/account/tokens", url.Values{"label": {"集計スクリプト"}})
	body := readBody(t, res)
	i := strings.Index(body, `data-testid="new-token">`)
	if res.StatusCode != http.StatusCreated || i < 0 {
		t.Fatalf("token create: %d", res.StatusCode)
	}
	tok := body[i+len(`data-testid="new-token">`):]
	tok = tok[:strings.Index(tok, "<")]
	if code, _ := e.api(tok, "GET", "/api/v1/me", nil); code != 200 {
		t.Fatalf("new token refused: %d", code)
	}
	toks, _ := e.st.ListTokens(context.Background(), u.ID)
	if res := e.postForm(c, "/account/tokens/"+toks[0].ID+"/revoke", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	if code, _ := e.api(tok, "GET", "/api/v1/me", nil); code != 401 {
		t.Fatalf("revoked token works: %d", code)
	}
	// Another user's token id answers 404.
	stranger := e.user(org.ID, assessment.Officer, false)
	e.token(stranger)
	st, _ := e.st.ListTokens(context.Background(), stranger.ID)
	if res := e.postForm(c, "/account/tokens/"+st[0].ID+"/revoke", nil); res.StatusCode != 404 {
		t.Fatalf("revoking another's token: %d", res.StatusCode)
	}

	if res := e.postForm(c, "/account/password", url.Values{"current": {"wrong-password-1"}, "new": {"a-brand-new-passphrase"}}); res.StatusCode != 422 {
		t.Fatalf("wrong current password: %d", res.StatusCode)
	}
	if res := e.postForm(c, "/account/password", url.Values{"current": {testPassword}, "new": {"short"}}); res.StatusCode != 422 {
		t.Fatalf("short password: %d", res.StatusCode)
	}
	if res := e.postForm(c, "/account/password", url.Values{"current": {testPassword}, "new": {"a-brand-new-passphrase"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("change password: %d", res.StatusCode)
	}
	if res, _ := e.get(c, "/account"); res.StatusCode != 200 {
		t.Fatalf("this device was signed out: %d", res.StatusCode)
	}
	if res, _ := e.get(other, "/account"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the other device is still signed in: %d", res.StatusCode)
	}
}

// An API token may not change the password, the second factor or the
// tokens: those need the browser session. Before the fix a token changed
// the password (ending every session) and the request then failed with 500.
func TestAccountChangesNeedASession(t *testing.T) {
	e := newEnv(t)
	org := e.org("トークン株式会社", nil)
	u := e.user(org.ID, assessment.Officer, false)
	tok := e.token(u)
	c := e.login(u)
	bearer := map[string]string{"Authorization": "Bearer " + tok, "Content-Type": formType}
	before, _ := e.st.ListTokens(context.Background(), u.ID)

	cases := []struct{ path, body string }{
		{"/account/password", url.Values{"current": {testPassword}, "new": {"an-entirely-new-passphrase"}}.Encode()},
		{"/account/tokens", url.Values{"label": {"minted by a token"}}.Encode()},
		{"/account/tokens/" + before[0].ID + "/revoke", ""},
		{"/account/totp/recovery-codes", url.Values{"code": {"000000"}}.Encode()},
		{"/account/totp/disable", url.Values{"code": {"000000"}}.Encode()},
	}
	for _, tc := range cases {
		if res, body := e.send(nil, "POST", tc.path, strings.NewReader(tc.body), bearer); res.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s with a token: status %d, want 403\n\t%.200s", tc.path, res.StatusCode, body)
		}
	}
	// Nothing changed: the password, the session and the tokens are as before.
	if res := e.postForm(e.browser(), "/login", url.Values{"email": {u.Email}, "password": {testPassword}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the old password no longer signs in: %d", res.StatusCode)
	}
	if res, _ := e.get(c, "/account"); res.StatusCode != http.StatusOK {
		t.Errorf("the browser session was ended: %d", res.StatusCode)
	}
	after, _ := e.st.ListTokens(context.Background(), u.ID)
	if len(after) != len(before) || after[0].RevokedAt != nil {
		t.Errorf("tokens changed: %d → %d, revoked %v", len(before), len(after), after[0].RevokedAt)
	}
	// The API itself still works with the token.
	if code, _ := e.api(tok, "GET", "/api/v1/me", nil); code != http.StatusOK {
		t.Errorf("API with the token: %d", code)
	}
}
