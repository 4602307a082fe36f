package e2e

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"

	"mamori/internal/assessment"
)

// TestAdminManyOrgsJourney: with more organisations than a page shows, an
// administrator pages through them, narrows the parent picker by name and
// creates a subsidiary under an organisation beyond the first 50; the
// paged list and the picker's search pass the accessibility checks.
func TestAdminManyOrgsJourney(t *testing.T) {
	s := newSite(t)
	home := s.org("運営事務局", nil)
	s.user(home.ID, assessment.Manager, true, "admin@example.jp", "管理者")
	for i := range 60 {
		s.org(fmt.Sprintf("取引先 %02d", i), nil)
	}
	ctx := browser(t, 1280, 900)
	login(t, ctx, s.url, "admin@example.jp")

	navigate(t, ctx, s.url+"/admin/orgs")
	waitText(t, ctx, "[data-testid=unreviewed]", "（61）")
	checkA11y(t, ctx, "admin orgs, paged")
	clickNav(t, ctx, `[data-testid=org-pager] a[rel=next]`)
	waitText(t, ctx, "[data-testid=org-table]", "取引先 59")
	do(t, ctx, "narrow the parent picker", chromedp.SendKeys(chromedp.ID("org-q"), "取引先 5"))
	clickNav(t, ctx, "[data-testid=org-search-go]")
	checkA11y(t, ctx, "admin orgs, picker narrowed")
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#org-parent option").length`))
	if err != nil || n != 11 {
		t.Fatalf("parent picker narrowed to 取引先 5x: %d options, want 10 and none (%v)", n, err)
	}
	parent, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#org-parent option:last-child").value`))
	if err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "subsidiary", chromedp.SendKeys(chromedp.ID("org-name"), "取引先 59 子会社"), chromedp.SetValue(chromedp.ID("org-parent"), parent))
	clickNav(t, ctx, "[data-testid=org-form] button[type=submit]")
	navigate(t, ctx, s.url+"/admin/orgs?q=59")
	waitText(t, ctx, "[data-testid=org-table]", "取引先 59 子会社")
	waitText(t, ctx, "[data-testid=org-table] tr:last-child td:nth-child(2)", "取引先 59")

	// The users page and a user's page narrow their pickers the same way.
	navigate(t, ctx, s.url+"/admin/users?org_q="+url.QueryEscape("取引先 5"))
	waitText(t, ctx, "#u-org", "取引先 59")
	checkA11y(t, ctx, "admin users, picker narrowed")
	clickNav(t, ctx, "[data-testid=user-row] a")
	do(t, ctx, "narrow the user's organisation", chromedp.SendKeys(chromedp.ID("org-q"), "取引先 0"))
	clickNav(t, ctx, "[data-testid=org-search-go]")
	waitText(t, ctx, "#u-org", "取引先 09")
	checkA11y(t, ctx, "admin user, picker narrowed")
}
