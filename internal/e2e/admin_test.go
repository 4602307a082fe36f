package e2e

import (
	"context"
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
	clickNav(t, ctx, "main form button[type=submit]")
	waitText(t, ctx, "[data-testid=org-table]", "サンプルホールディングス")
	orgs, _ := s.st.ListOrgs(context.Background())
	var holding string
	for _, o := range orgs {
		if o.Name == "サンプルホールディングス" {
			holding = o.ID
		}
	}
	do(t, ctx, "subsidiary", chromedp.SendKeys(chromedp.ID("org-name"), "サンプル銀行"), chromedp.SetValue(chromedp.ID("org-parent"), holding))
	clickNav(t, ctx, "main form button[type=submit]")
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
}
