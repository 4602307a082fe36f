package server_test

import (
	"context"
	"mamori/internal/assessment"
	"mamori/internal/auth"
	"mamori/internal/store/storetest"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

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
