package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"mamori/internal/assessment"
	"mamori/internal/store"
)

// approved seeds a submitted assessment and approves it as the auditor.
func (s *site) approved(officer, auditor store.User, title string) store.Assessment {
	s.t.Helper()
	a := s.submitted(officer, title)
	act := store.Actor{UserID: auditor.ID, Email: auditor.Email}
	a, err := s.st.Decide(context.Background(), store.StatusChange{AssessmentID: a.ID, From: assessment.Submitted, To: assessment.Approved, Action: assessment.Approve, Actor: act})
	if err != nil {
		s.t.Fatal(err)
	}
	return a
}

// TestManagerJourney: a holding's manager reads the dashboard, a
// subsidiary's report and its benchmark, and downloads the Excel file.
func TestManagerJourney(t *testing.T) {
	s := newSite(t)
	holding := s.org("サンプルホールディングス", nil)
	sub := s.org("サンプル工業", &holding.ID)
	s.user(holding.ID, assessment.Manager, false, "manager@holdings.example")
	aud := s.user(holding.ID, assessment.Auditor, false, "auditor@holdings.example")
	off := s.user(sub.ID, assessment.Officer, false, "officer@sub.example")
	a := s.approved(off, aud, "2026年度 自己評価")
	// Peers, so the benchmark has at least five organisations in the group.
	for i := 1; i <= 5; i++ {
		peer := s.org(fmt.Sprintf("参加企業 %02d", i), nil)
		s.approved(s.user(peer.ID, assessment.Officer, false, fmt.Sprintf("o%d@peer.example", i)), aud, "2026年度")
	}

	ctx := browser(t, 1280, 900)
	login(t, ctx, s.url, "manager@holdings.example")
	navigate(t, ctx, s.url+"/dashboard")
	waitText(t, ctx, "[data-testid=dashboard-table]", "サンプル工業")
	checkA11y(t, ctx, "dashboard")
	shot(t, ctx, "dashboard")
	viewShot(t, ctx, "dashboard")
	rows, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("[data-testid=dashboard-row]").length`))
	if rows != 2 {
		t.Fatalf("dashboard shows %d organisations, want the holding and its subsidiary", rows)
	}
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	for i := 1; i <= 5; i++ {
		if strings.Contains(body, fmt.Sprintf("参加企業 %02d", i)) {
			t.Fatal("the dashboard shows an organisation outside the manager's group")
		}
	}

	clickNav(t, ctx, "[data-testid=latest-report]")
	waitText(t, ctx, "[data-testid=report-total]", "81")
	checkA11y(t, ctx, "report")
	shot(t, ctx, "report")
	viewShot(t, ctx, "report")

	navigate(t, ctx, s.url+"/assessments/"+a.ID+"/benchmark")
	waitText(t, ctx, "[data-testid=stat-n]", "6")
	checkA11y(t, ctx, "benchmark")
	shot(t, ctx, "benchmark")
	viewShot(t, ctx, "benchmark")
	body, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if strings.Contains(body, "参加企業") {
		t.Fatal("the benchmark names another organisation")
	}

	// The Excel download, with the manager's own session.
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`fetch("/api/v1/assessments/%s/export?format=xlsx").then(async r => r.status + " " + r.headers.get("content-type") + " " + new TextDecoder().decode((await r.arrayBuffer()).slice(0, 2)))`, a.ID), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if got != "200 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet PK" {
		t.Fatalf("xlsx download: %q", got)
	}
}
