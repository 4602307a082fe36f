package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mamori/internal/assessment"
	"mamori/internal/config"
	"mamori/internal/secretbox"
	"mamori/internal/sso"
	"mamori/internal/ssotest"
	"mamori/internal/store"
)

// TestSSOWithOpenIDProvider signs in through zitadel's OpenID provider
// (package op), which puts only the subject in the ID token: the email,
// its verification and the groups come from the userinfo endpoint.
func TestSSOWithOpenIDProvider(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.SecretKey = ssoTestKey })
	op := ssotest.Start(t, e.ts.URL+"/login/sso/callback",
		ssotest.User{ID: "u1", Email: "hanako@op.example.jp", First: "花子", Last: "山田"},
		ssotest.User{ID: "u2", Email: "kansa@op.example.jp", First: "監査", Last: "太郎", Groups: []string{"internal-audit"}},
		ssotest.User{ID: "u3", Email: "unverified@op.example.jp", First: "未確認", Last: "", Unverified: true},
	)
	org := e.org("OP株式会社", nil)
	box, _ := secretbox.New(ssoTestKey)
	sealed, _ := box.Seal([]byte(op.ClientSecret), sso.SecretPurpose)
	if _, err := e.st.CreateSSOProvider(context.Background(), store.SSOProvider{OrgID: org.ID, Name: "OP", Issuer: op.Issuer, ClientID: op.ClientID,
		SecretSealed: sealed, Domains: []string{"op.example.jp"}, DefaultRole: assessment.Officer, GroupsClaim: "groups",
		GroupRoles: map[string]assessment.Role{"internal-audit": assessment.Auditor}, JIT: true}, store.Actor{Email: "test"}); err != nil {
		t.Fatal(err)
	}
	signIn := func(email string) (*http.Client, *http.Response, string) {
		t.Helper()
		c := e.browser()
		res := e.postForm(c, "/login/sso", url.Values{"email": {email}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST /login/sso: %d", res.StatusCode)
		}
		cb, err := op.Login(c, res.Header.Get("Location"), email)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(cb, e.ts.URL+"/login/sso/callback?") {
			t.Fatalf("the provider sent the browser to %q", cb)
		}
		res, err = c.Get(cb)
		if err != nil {
			t.Fatal(err)
		}
		return c, res, readBody(t, res)
	}
	me := func(c *http.Client) map[string]any {
		t.Helper()
		res, err := c.Get(e.ts.URL + "/api/v1/me")
		if err != nil {
			t.Fatal(err)
		}
		body := readBody(t, res)
		var m map[string]any
		if res.StatusCode == http.StatusOK {
			_ = jsonUnmarshal(body, &m)
		}
		return m
	}

	t.Run("Officer", func(t *testing.T) {
		c, res, _ := signIn("hanako@op.example.jp")
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("callback: %d", res.StatusCode)
		}
		if m := me(c); m == nil || m["role"] != "officer" || m["org_id"] != org.ID || m["name"] != "花子 山田" {
			t.Fatalf("signed in as %v", m)
		}
	})
	t.Run("GroupsClaimMakesAuditor", func(t *testing.T) {
		c, _, _ := signIn("kansa@op.example.jp")
		if m := me(c); m == nil || m["role"] != "auditor" {
			t.Fatalf("signed in as %v", m)
		}
		// The group removed at the provider: the next sign-in is an
		// officer, and the auditor's session ends.
		op.SetGroups("u2")
		c2, _, _ := signIn("kansa@op.example.jp")
		if m := me(c2); m == nil || m["role"] != "officer" {
			t.Fatalf("after the group was removed: %v", m)
		}
		if me(c) != nil {
			t.Fatal("the auditor session survived the role change")
		}
	})
	t.Run("UnverifiedEmailRefused", func(t *testing.T) {
		c, res, body := signIn("unverified@op.example.jp")
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "確認済み") || me(c) != nil {
			t.Fatalf("unverified email: %d %.200s", res.StatusCode, body)
		}
	})
}
