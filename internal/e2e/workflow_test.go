package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"mamori/internal/assessment"
)

// TestSubsidiaryWithdrawAndReview: a factory with no auditor of its own
// submits; its overview names the holding's auditor as the reviewer; the
// officer withdraws it with a reason, sees the provisional diagnosis of the
// draft and submits again; the holding's
// auditor finds it in the queue and opens the review.
func TestSubsidiaryWithdrawAndReview(t *testing.T) {
	s := newSite(t)
	holding := s.org("デモ株式会社", nil)
	factory := s.org("デモ株式会社 九州工場", &holding.ID)
	off := s.user(factory.ID, assessment.Officer, false, "officer@kyushu.example", "九州 太郎")
	s.user(holding.ID, assessment.Auditor, false, "auditor@holding.example", "佐藤 健")
	a := s.submitted(off, "九州工場 2026年度")

	octx := browser(t, 1280, 900)
	login(t, octx, s.url, "officer@kyushu.example")
	navigate(t, octx, s.url+"/assessments/"+a.ID)
	waitText(t, octx, "[data-testid=reviewers]", "レビュー担当: 佐藤 健")
	checkA11y(t, octx, "submitted overview")
	do(t, octx, "withdraw reason", chromedp.SendKeys(chromedp.ID("withdraw-reason"), "添付資料の差し替えのため"))
	shot(t, octx, "withdraw")
	clickNav(t, octx, "[data-testid=withdraw]")
	waitText(t, octx, "main", "提出を取り下げました。")
	waitText(t, octx, "[data-testid=status]", "下書き")
	// While it is a draft, the diagnosis and the benchmark are provisional.
	navigate(t, octx, s.url+"/assessments/"+a.ID+"/report")
	waitText(t, octx, "[data-testid=provisional]", "暫定（未提出）")
	checkA11y(t, octx, "provisional report")
	shot(t, octx, "provisional-report")
	navigate(t, octx, s.url+"/assessments/"+a.ID+"/benchmark")
	waitText(t, octx, "[data-testid=provisional]", "暫定（未提出）")
	navigate(t, octx, s.url+"/assessments/"+a.ID)
	clickNav(t, octx, "[data-testid=submit]")
	waitText(t, octx, "[data-testid=status]", "提出済み")

	actx := browser(t, 1280, 900)
	login(t, actx, s.url, "auditor@holding.example")
	navigate(t, actx, s.url+"/reviews")
	waitText(t, actx, "[data-testid=queue-row]", "九州工場 2026年度")
	waitText(t, actx, "[data-testid=reviewed-orgs]", "デモ株式会社 九州工場")
	checkA11y(t, actx, "reviews with organisations")
	shot(t, actx, "auditor-first-screen")
	clickNav(t, actx, "[data-testid=queue-row] a")
	waitText(t, actx, "h1", "九州工場 2026年度")
	waitText(t, actx, "[data-testid=thread-general]", "添付資料の差し替えのため")
}
