package e2e

import (
	"context"
	"regexp"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/store"
)

// pdfPages prints the page as Chromium does for 「PDF / 印刷」 (the print
// stylesheet, A4 from @page) and counts the PDF's pages.
func pdfPages(t *testing.T, ctx context.Context) int {
	t.Helper()
	yes := true
	pdf, err := chromedp.Run(ctx, chromedp.Action[[]byte](func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		res, err := cdp.Call(ctx, tg, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &yes, PrintBackground: &yes})
		return res.Data, err
	}))
	if err != nil {
		t.Fatalf("print to PDF: %v", err)
	}
	return len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1))
}

// TestExecutiveSummaryPrintsOnOnePage: the report of an approved assessment
// with many recommendations opens with the summary for the board, which
// prints on one A4 page; the print layout has no navigation.
func TestExecutiveSummaryPrintsOnOnePage(t *testing.T) {
	s := newSite(t)
	org := s.org("デモ株式会社", nil)
	off := s.user(org.ID, assessment.Officer, false, "officer@print.example", "山田 花子")
	aud := s.user(org.ID, assessment.Auditor, false, "auditor@print.example", "佐藤 健")
	s.user(org.ID, assessment.Manager, false, "manager@print.example", "鈴木 一郎")
	s.approved(off, aud, "2025年度 自己評価")
	// This year: everything at level 1 or 2, so there are 27
	// recommendations and the first page must choose five.
	ctx := context.Background()
	by := store.Actor{UserID: off.ID, Email: off.Email}
	a, err := s.st.CreateAssessment(ctx, store.NewAssessment{OrgID: org.ID, Title: "2026年度 自己評価", ChecklistID: checklist.Default().ID, Actor: by})
	if err != nil {
		t.Fatal(err)
	}
	for i, q := range checklist.Default().QuestionIDs() {
		lv := 1 + i%2
		if _, err := s.st.SaveAnswer(ctx, a.ID, q, assessment.AnswerValues{Level: &lv, Comment: "整備中"}, by); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.st.Submit(ctx, a.ID, assessment.Draft, by); err != nil {
		t.Fatal(err)
	}
	if _, err := s.st.Decide(ctx, store.StatusChange{AssessmentID: a.ID, From: assessment.Submitted, To: assessment.Approved, Action: assessment.Approve,
		Actor: store.Actor{UserID: aud.ID, Email: aud.Email}, AcknowledgeOpenMarks: true}); err != nil {
		t.Fatal(err)
	}

	mctx := browser(t, 1280, 900)
	login(t, mctx, s.url, "manager@print.example")
	navigate(t, mctx, s.url+"/assessments/"+a.ID+"/report")
	waitText(t, mctx, "[data-testid=exec-approved]", "佐藤 健")
	waitText(t, mctx, "[data-testid=exec-submitted]", "山田 花子")
	waitText(t, mctx, "[data-testid=print-button]", "PDF / 印刷")
	checkA11y(t, mctx, "report with summary")
	shot(t, mctx, "report-summary")
	n, _ := chromedp.Run(mctx, chromedp.Evaluate[int](`document.querySelectorAll("[data-testid=exec-actions] li").length`))
	if n != 5 {
		t.Fatalf("the summary lists %d actions, want 5", n)
	}
	// In print, no navigation, breadcrumbs or buttons.
	if _, err := chromedp.Run(mctx, chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return chromedp.Void{}, err
	})); err != nil {
		t.Fatal(err)
	}
	shown, _ := chromedp.Run(mctx, chromedp.Evaluate[string](`[".site-header", ".breadcrumb", "[data-testid=report-actions]", "[data-testid=exec-summary]"]
		.map(s => s + "=" + getComputedStyle(document.querySelector(s)).display).join(" ")`))
	if shown != ".site-header=none .breadcrumb=none [data-testid=report-actions]=none [data-testid=exec-summary]=block" {
		t.Fatalf("print layout: %s", shown)
	}
	whole := pdfPages(t, mctx)
	if whole < 3 {
		t.Fatalf("the whole report printed on %d pages: the count is wrong", whole)
	}
	// The summary alone (with the title) on one A4 page.
	if err := chromedp.Do(mctx, chromedp.Evaluate[chromedp.Void](`(() => {
		for (const el of [...document.querySelector("main").children]) {
			if (el.tagName !== "H1" && el.id !== "exec-summary") el.remove();
		}
	})()`)); err != nil {
		t.Fatal(err)
	}
	if got := pdfPages(t, mctx); got != 1 {
		t.Fatalf("the executive summary prints on %d A4 pages, want 1 (whole report: %d)", got, whole)
	}
	t.Logf("report: %d A4 pages, executive summary: 1", whole)
}

// TestPhoneLayout: the report, the dashboard and a category page at 390 ×
// 844 (device emulation) have nothing wider than the screen and no text
// squeezed into a narrow box.
func TestPhoneLayout(t *testing.T) {
	s := newSite(t)
	holding := s.org("デモ株式会社", nil)
	sub := s.org("デモ株式会社 九州工場", &holding.ID)
	off := s.user(sub.ID, assessment.Officer, false, "officer@phone.example", "山田 花子")
	aud := s.user(holding.ID, assessment.Auditor, false, "auditor@phone.example", "佐藤 健")
	s.user(holding.ID, assessment.Manager, false, "manager@phone.example", "鈴木 一郎")
	s.approved(off, aud, "2025年度 自己評価")
	a := s.approved(off, aud, "2026年度 自己評価")
	draft, err := s.st.CreateAssessment(context.Background(), store.NewAssessment{OrgID: sub.ID, Title: "2027年度 自己評価", ChecklistID: checklist.Default().ID,
		Actor: store.Actor{UserID: off.ID, Email: off.Email}})
	if err != nil {
		t.Fatal(err)
	}

	mctx := browser(t, 390, 844)
	login(t, mctx, s.url, "manager@phone.example")
	if w, _ := chromedp.Run(mctx, chromedp.Evaluate[int](`document.documentElement.clientWidth`)); w != 390 {
		t.Fatalf("viewport %d px wide, want 390", w)
	}
	for _, p := range []struct{ name, path string }{
		{"report", "/assessments/" + a.ID + "/report"},
		{"dashboard", "/dashboard"},
		{"benchmark", "/assessments/" + a.ID + "/benchmark"},
		{"review", "/assessments/" + a.ID + "/review"},
		{"history", "/assessments/" + a.ID + "/history"},
	} {
		navigate(t, mctx, s.url+p.path)
		checkLayout(t, mctx, p.name)
		checkA11y(t, mctx, p.name+" (phone)")
		shot(t, mctx, p.name+"-phone")
	}
	// The heat map on a phone: a table scrolling in its own box.
	navigate(t, mctx, s.url+"/dashboard")
	waitText(t, mctx, "[data-testid=heatmap-table]", "組織的対策")
	octx := browser(t, 390, 844)
	login(t, octx, s.url, "officer@phone.example")
	navigate(t, octx, s.url+"/assessments/"+draft.ID+"/categories/1")
	checkLayout(t, octx, "category")
	checkA11y(t, octx, "category (phone)")
	shot(t, octx, "category-phone")
	navigate(t, octx, s.url+"/assessments/"+draft.ID)
	checkLayout(t, octx, "overview")
	checkA11y(t, octx, "overview (phone)")
	// The header leaves the screen to the page.
	header, _ := chromedp.Run(octx, chromedp.Evaluate[float64](`document.querySelector(".site-header").getBoundingClientRect().height`))
	t.Logf("header height at 390 px: %.0f px", header)
	if header > 110 {
		t.Errorf("the header takes %.0f of 844 px", header)
	}
	// The language buttons are touch targets of at least 44 × 44.
	size, _ := chromedp.Run(octx, chromedp.Evaluate[[]float64](`(() => { const r = document.querySelector(".lang-switch button").getBoundingClientRect(); return [r.width, r.height]; })()`))
	if len(size) != 2 || size[0] < 44 || size[1] < 44 {
		t.Errorf("language button %v px, want at least 44 × 44", size)
	}
}
