package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"mamori/internal/assessment"
)

// TestGeneratedPasswordMustBeChanged: a user an administrator created with a
// generated password can reach nothing but the account page until they
// choose their own; the API answers 403 password_change_required meanwhile.
func TestGeneratedPasswordMustBeChanged(t *testing.T) {
	e := newEnv(t)
	org := e.org("初回株式会社", nil)
	admin := e.user(org.ID, assessment.Manager, true)
	ac := e.login(admin)
	res := e.postForm(ac, "/admin/users", url.Values{"email": {"new@first.example"}, "name": {"新人 一郎"}, "role": {"officer"}, "org_id": {org.ID}})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", res.StatusCode)
	}
	doc, err := goquery.NewDocumentFromReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	generated := strings.TrimSpace(doc.Find(`[data-testid="new-password"] code, code`).First().Text())
	if len(generated) < 12 {
		t.Fatalf("generated password %q", generated)
	}
	c := e.browser()
	if res := e.postForm(c, "/login", url.Values{"email": {"new@first.example"}, "password": {generated}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	for _, path := range []string{"/assessments", "/profile", "/api/v1/assessments"} {
		res, _ := e.get(c, path)
		switch {
		case strings.HasPrefix(path, "/api/") && res.StatusCode != http.StatusForbidden:
			t.Errorf("%s: %d, want 403", path, res.StatusCode)
		case !strings.HasPrefix(path, "/api/") && (res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account"):
			t.Errorf("%s: %d to %q, want 303 to /account", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
	_, body := e.get(c, "/account")
	if !strings.Contains(body, `data-testid="must-change-password"`) {
		t.Fatal("the account page does not say the password must be changed")
	}
	if res := e.postForm(c, "/account/password", url.Values{"current": {generated}, "new": {"my-own-password-2026"}, "revoke_tokens": {"on"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d", res.StatusCode)
	}
	if res, _ := e.get(c, "/assessments"); res.StatusCode != http.StatusOK {
		t.Errorf("after changing: /assessments %d", res.StatusCode)
	}
	// A password the administrator typed in is not generated: no change asked.
	res = e.postForm(ac, "/admin/users", url.Values{"email": {"typed@first.example"}, "name": {"入力 花子"}, "role": {"officer"}, "org_id": {org.ID}, "password": {"typed-password-2026"}})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create with a password: %d", res.StatusCode)
	}
	c2 := e.browser()
	e.postForm(c2, "/login", url.Values{"email": {"typed@first.example"}, "password": {"typed-password-2026"}})
	if res, _ := e.get(c2, "/assessments"); res.StatusCode != http.StatusOK {
		t.Errorf("a typed password: /assessments %d", res.StatusCode)
	}
}

// TestAdminUserSearch: /admin/users?q= finds users by email, name or
// organisation, case-insensitively, and % is taken literally.
func TestAdminUserSearch(t *testing.T) {
	e := newEnv(t)
	org := e.org("検索株式会社", nil)
	other := e.org("別会社", nil)
	admin := e.user(org.ID, assessment.Manager, true)
	u1 := e.user(org.ID, assessment.Officer, false)
	u2 := e.user(other.ID, assessment.Auditor, false)
	c := e.login(admin)
	count := func(q string) (int, string) {
		_, body := e.get(c, "/admin/users?q="+url.QueryEscape(q))
		doc, _ := goquery.NewDocumentFromReader(strings.NewReader(body))
		return doc.Find(`[data-testid="user-table"] tbody tr`).Length(), doc.Find(`[data-testid="user-table"] tbody`).Text()
	}
	if n, text := count("別会社"); n != 1 || !strings.Contains(text, u2.Email) {
		t.Errorf("by organisation: %d rows %q", n, text)
	}
	if n, text := count(strings.ToUpper(u1.Email)); n != 1 || !strings.Contains(text, u1.Email) {
		t.Errorf("by email, other case: %d rows", n)
	}
	if n, _ := count("%"); n != 0 {
		t.Errorf("%% matched %d users", n)
	}
	if n, _ := count(""); n != 3 {
		t.Errorf("no search: %d users, want 3", n)
	}
}
