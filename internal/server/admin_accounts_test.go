package server_test

import (
	"bytes"
	"context"
	"mime/multipart"
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

// usersCSV is a users CSV upload as the admin page sends it.
func usersCSV(t *testing.T, csv string) (string, *bytes.Buffer) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "users.csv")
	fw.Write([]byte(csv))
	mw.Close()
	return mw.FormDataContentType(), &buf
}

// TestAdminUserImport: a users CSV with a problem in any line creates
// nobody and lists every line's problem; a good one creates everyone, each
// with a generated password they must change.
func TestAdminUserImport(t *testing.T) {
	e := newEnv(t)
	org := e.org("取込株式会社", nil)
	admin := e.user(org.ID, assessment.Manager, true)
	taken := e.user(org.ID, assessment.Officer, false)
	c := e.login(admin)
	post := func(csv string) (int, *goquery.Document) {
		ct, body := usersCSV(t, csv)
		res, html := e.send(c, "POST", "/admin/users/import", body, map[string]string{"Content-Type": ct})
		doc, _ := goquery.NewDocumentFromReader(strings.NewReader(html))
		return res.StatusCode, doc
	}
	users := func() int { us, _ := e.st.ListUsers(context.Background()); return len(us) }
	before := users()
	code, doc := post("メールアドレス,氏名,役割,組織\nyamada@import.example,山田 花子,officer,取込株式会社\nbad-email,佐藤 健,auditor,取込株式会社\nsuzuki@import.example,鈴木 一郎,boss,無い会社\n")
	var lines []string
	doc.Find(`[data-testid="import-row-error"]`).Each(func(_ int, s *goquery.Selection) { lines = append(lines, squash(s.Text())) })
	if code != 422 || len(lines) != 3 || !strings.HasPrefix(lines[0], "3行目") || !strings.HasPrefix(lines[2], "4行目: 組織が見つかりません") {
		t.Fatalf("refused import: %d %v", code, lines)
	}
	if users() != before {
		t.Fatal("a refused import created users")
	}
	code, doc = post("yamada@import.example,山田 花子,officer,取込株式会社\n" + taken.Email + ",重複,officer," + org.ID + "\n")
	if code != 422 || !strings.Contains(doc.Find(`[data-testid="import-row-error"]`).Text(), "2行目") || users() != before {
		t.Fatalf("import with a taken email: %d %q", code, doc.Find(`[data-testid="import-error"]`).Text())
	}
	code, doc = post("yamada@import.example,山田 花子,officer,取込株式会社\nsato@import.example,佐藤 健,auditor," + org.ID + "\n")
	rows := doc.Find(`[data-testid="imported-user"]`)
	if code != 201 || rows.Length() != 2 || users() != before+2 {
		t.Fatalf("import: %d, %d rows, %d users", code, rows.Length(), users()-before)
	}
	pw := strings.TrimSpace(rows.First().Find("code").Text())
	u := e.browser()
	if res := e.postForm(u, "/login", url.Values{"email": {"yamada@import.example"}, "password": {pw}}); res.StatusCode != 303 {
		t.Fatalf("sign-in with the generated password: %d", res.StatusCode)
	}
	if res, _ := e.get(u, "/assessments"); res.StatusCode != 303 || res.Header.Get("Location") != "/account" {
		t.Errorf("an imported user is not asked to change the password: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}
