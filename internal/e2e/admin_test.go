package e2e

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"mamori/internal/assessment"
)

// TestAdminJourney: an administrator sets up a holding with a subsidiary,
// a user for each role, an auditor assignment and the company profile.
func TestAdminJourney(t *testing.T) {
	s := newSite(t)
	home := s.org("運営事務局", nil)
	s.user(home.ID, assessment.Manager, true, "admin@example.jp", "管理者")
	ctx := browser(t, 1280, 900)
	login(t, ctx, s.url, "admin@example.jp")

	navigate(t, ctx, s.url+"/admin/orgs")
	checkA11y(t, ctx, "admin orgs")
	do(t, ctx, "holding", chromedp.SendKeys(chromedp.ID("org-name"), "サンプルホールディングス"), chromedp.SetValue(chromedp.ID("org-industry"), "finance_insurance"))
	clickNav(t, ctx, "[data-testid=org-form] button[type=submit]")
	waitText(t, ctx, "[data-testid=org-table]", "サンプルホールディングス")
	orgs, _ := s.st.ListOrgs(context.Background())
	var holding string
	for _, o := range orgs {
		if o.Name == "サンプルホールディングス" {
			holding = o.ID
		}
	}
	do(t, ctx, "subsidiary", chromedp.SendKeys(chromedp.ID("org-name"), "サンプル銀行"), chromedp.SetValue(chromedp.ID("org-parent"), holding))
	clickNav(t, ctx, "[data-testid=org-form] button[type=submit]")
	waitText(t, ctx, "[data-testid=org-table]", "サンプル銀行")
	shot(t, ctx, "orgs")

	navigate(t, ctx, s.url+"/admin/users")
	checkA11y(t, ctx, "admin users")
	passwords := map[string]string{}
	for _, role := range []string{"officer", "auditor", "manager"} {
		email := role + "@holdings.example"
		do(t, ctx, "user "+role,
			chromedp.SendKeys(chromedp.ID("u-email"), email),
			chromedp.SendKeys(chromedp.ID("u-name"), "新任 "+role),
			chromedp.SetValue(chromedp.ID("u-role"), role),
			chromedp.SetValue(chromedp.ID("u-org"), holding),
		)
		clickNav(t, ctx, "[data-testid=create-user]")
		pw := text(t, ctx, "[data-testid=generated-password] code")
		if len(pw) != 20 {
			t.Fatalf("generated password for %s: %q", role, pw)
		}
		passwords[email] = pw
	}
	shot(t, ctx, "users")
	// The auditor reviews the subsidiary too.
	aud, _ := s.st.UserByEmail(context.Background(), "auditor@holdings.example")
	orgs, _ = s.st.ListOrgs(context.Background())
	var bank string
	for _, o := range orgs {
		if o.Name == "サンプル銀行" {
			bank = o.ID
		}
	}
	do(t, ctx, "assign", chromedp.SetValue(chromedp.ID("a-user"), aud.ID), chromedp.SetValue(chromedp.ID("a-org"), bank))
	clickNav(t, ctx, "[data-testid=assign]")
	p, _ := s.st.Principal(context.Background(), aud.ID)
	if !p.Visible[bank] {
		t.Fatal("assignment not stored")
	}

	// The company profile: 350 employees and critical infrastructure → GI.
	navigate(t, ctx, s.url+"/orgs/"+holding+"/profile")
	checkA11y(t, ctx, "profile")
	do(t, ctx, "profile",
		chromedp.SetValue(chromedp.ID("industry"), "finance_insurance"),
		chromedp.SendKeys(chromedp.ID("employees"), "350"),
		chromedp.SendKeys(chromedp.ID("annual_sales_million_jpy"), "8000"),
		chromedp.SendKeys(chromedp.ID("personal_records"), "20000"),
		chromedp.Click(chromedp.ID("it-4")),
		chromedp.Click(chromedp.ID("critical_infrastructure")),
	)
	clickNav(t, ctx, "[data-testid=profile-save]")
	waitText(t, ctx, "[data-testid=risk-group]", "GI")
	shot(t, ctx, "profile")
	if !strings.Contains(text(t, ctx, "[data-testid=risk-reasons]"), "300") {
		t.Fatal("the profile page does not explain the employees rule")
	}

	// The new officer can sign in with the generated password.
	octx := browser(t, 1280, 900)
	do(t, octx, "officer login",
		chromedp.Navigate(s.url+"/login"),
		chromedp.SendKeys(chromedp.ID("email"), "officer@holdings.example"),
		chromedp.SendKeys(chromedp.ID("password"), passwords["officer@holdings.example"]),
		chromedp.Click(chromedp.CSS("[data-testid=login-submit]")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=logout]")),
	)
	// A generated password must be changed first: the account page says so,
	// and nothing else opens until it is.
	waitText(t, octx, "[data-testid=must-change-password]", "ご自身のパスワードに変更してください")
	navigate(t, octx, s.url+"/assessments")
	waitText(t, octx, "[data-testid=must-change-password]", "仮のパスワード")
	checkA11y(t, octx, "account, password to change")
	shot(t, octx, "must-change-password")
	do(t, octx, "change password",
		chromedp.SendKeys(chromedp.ID("current"), passwords["officer@holdings.example"]),
		chromedp.SendKeys(chromedp.ID("new"), "my-own-password-2026"),
	)
	clickNav(t, octx, "form[action='/account/password'] button[type=submit]")
	navigate(t, octx, s.url+"/assessments")
	waitText(t, octx, "h1", "自己評価")

	// Search and import users.
	navigate(t, ctx, s.url+"/admin/users?q="+url.QueryEscape("新任 auditor"))
	waitText(t, ctx, "[data-testid=user-search-result]", "1人")
	csv := filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(csv, []byte("メールアドレス,氏名,役割,組織\nkimura@holdings.example,木村 一,officer,サンプル銀行\nbad,佐藤 二,auditor,サンプル銀行\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "upload bad csv", chromedp.SetUploadFiles(chromedp.ID("users-file"), []string{csv}))
	clickNav(t, ctx, "[data-testid=import-users]")
	waitText(t, ctx, "[data-testid=import-errors]", "3行目: メールアドレスの形式が正しくありません")
	checkA11y(t, ctx, "users import refused")
	if err := os.WriteFile(csv, []byte("kimura@holdings.example,木村 一,officer,サンプル銀行\nsato2@holdings.example,佐藤 二,auditor,サンプル銀行\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "upload good csv", chromedp.SetUploadFiles(chromedp.ID("users-file"), []string{csv}))
	clickNav(t, ctx, "[data-testid=import-users]")
	waitText(t, ctx, "[data-testid=imported-users]", "2人を登録しました")
	checkA11y(t, ctx, "users imported")
	shot(t, ctx, "users-imported")

	// Organisations nobody reviews are listed: the platform's own.
	navigate(t, ctx, s.url+"/admin/orgs")
	waitText(t, ctx, "[data-testid=unreviewed]", "運営事務局")
}
