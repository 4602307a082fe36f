package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// TestActionsJourney: the officer turns three recommendations into actions
// for a colleague; the what-if planner projects the total; the owner closes
// one with a piece of evidence from the library; a manager of the holding
// accepts the risk of another; the dashboard shows the overdue one and the projected total;
// next year's copy flags the improved question.
func TestActionsJourney(t *testing.T) {
	s := newSite(t)
	bg := context.Background()
	holding := s.org("改善ホールディングス", nil)
	sub := s.org("改善工業", &holding.ID)
	s.user(holding.ID, assessment.Manager, false, "manager@kaizen.example", "管理 太郎")
	aud := s.user(holding.ID, assessment.Auditor, false, "auditor@kaizen.example")
	off := s.user(sub.ID, assessment.Officer, false, "officer@kaizen.example", "担当 一郎")
	s.user(sub.ID, assessment.Officer, false, "owner@kaizen.example", "実施 花子")

	// Last year's approved assessment: 1-1 and 1-3 at 1, 1-2 at 2, the rest
	// at 3 (the default target): total 1 + 2 + 1 + 24 × 3 = 76, and three
	// recommendations.
	act := store.Actor{UserID: off.ID, Email: off.Email}
	a, err := s.st.CreateAssessment(bg, store.NewAssessment{OrgID: sub.ID, Title: "2025年度 自己評価", ChecklistID: checklist.Default().ID, Actor: act})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range checklist.Default().QuestionIDs() {
		lv := map[string]int{"1-1": 1, "1-2": 2, "1-3": 1}[q]
		if lv == 0 {
			lv = 3
		}
		if _, err := s.st.SaveAnswer(bg, a.ID, q, assessment.AnswerValues{Level: &lv}, act); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.st.Submit(bg, a.ID, assessment.Draft, act); err != nil {
		t.Fatal(err)
	}
	if _, err := s.st.Decide(bg, store.StatusChange{AssessmentID: a.ID, From: assessment.Submitted, To: assessment.Approved,
		Action: assessment.Approve, Actor: store.Actor{UserID: aud.ID, Email: aud.Email}}); err != nil {
		t.Fatal(err)
	}

	t.Run("OfficerTurnsRecommendationsIntoActions", func(t *testing.T) {
		ctx := browser(t, 1280, 900)
		login(t, ctx, s.url, "officer@kaizen.example")
		navigate(t, ctx, s.url+"/assessments/"+a.ID+"/report")
		owner, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("[data-testid=recs-owner] option")].find(o => o.textContent.includes("実施 花子")).value`))
		do(t, ctx, "pick recommendations",
			chromedp.Click(chromedp.CSS("[data-testid=rec-pick-1-1]")),
			chromedp.Click(chromedp.CSS("[data-testid=rec-pick-1-2]")),
			chromedp.Click(chromedp.CSS("[data-testid=rec-pick-1-3]")),
			chromedp.SetValue(chromedp.CSS("[data-testid=recs-owner]"), owner),
		)
		clickNav(t, ctx, "[data-testid=recs-create]")
		waitText(t, ctx, "[data-testid=flash]", "3 件作成")
		n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("[data-testid^=action-row-]").length`))
		body := text(t, ctx, "[data-testid=actions-table]")
		if n != 3 || strings.Count(body, "実施 花子") != 3 {
			t.Fatalf("%d actions listed:\n%s", n, body)
		}
		checkA11y(t, ctx, "actions")
		shot(t, ctx, "actions")

		// The planner: ticking the recommendation on 1-1 raises it to 3.
		navigate(t, ctx, s.url+"/assessments/"+a.ID+"/what-if")
		waitText(t, ctx, "[data-testid=today-total]", "76 / 135")
		do(t, ctx, "tick 1-1", chromedp.Click(chromedp.CSS("[data-testid=rec-1-1]")))
		waitText(t, ctx, "[data-testid=projected-total]", "78 / 135") // htmx, no page load
		waitText(t, ctx, "[data-testid=delta-total]", "+2")
		checkA11y(t, ctx, "what-if")
		shot(t, ctx, "what-if")
	})

	as, err := s.st.ListActions(bg, store.ActionFilter{OrgIDs: []string{sub.ID}})
	if err != nil || len(as) != 3 {
		t.Fatalf("actions: %d %v", len(as), err)
	}
	byQuestion := map[string]string{}
	for _, x := range as {
		byQuestion[x.Questions[0].QuestionID] = x.ID
	}

	t.Run("OwnerClosesAnAction", func(t *testing.T) {
		// The proof is in the organisation's evidence library.
		ev, err := s.st.CreateEvidence(bg, store.NewEvidence{OrgID: sub.ID, Title: "情報セキュリティ方針 改訂版",
			URL: "https://intranet.example/policy-v2", EffectiveDate: time.Now(), Actor: act})
		if err != nil {
			t.Fatal(err)
		}
		ctx := browser(t, 1280, 900)
		login(t, ctx, s.url, "owner@kaizen.example")
		navigate(t, ctx, s.url+"/actions?owner=me")
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("[data-testid^=action-row-]").length`)); n != 3 {
			t.Fatalf("my actions: %d", n)
		}
		navigate(t, ctx, s.url+"/actions/"+byQuestion["1-1"])
		do(t, ctx, "close",
			chromedp.SetValue(chromedp.CSS("[data-testid=status-select]"), "done"),
			chromedp.SendKeys(chromedp.CSS("[data-testid=status-note]"), "情報セキュリティ方針を改訂し、取締役会の承認を得て全社員に周知しました。"),
			chromedp.SetValue(chromedp.CSS("[data-testid=status-evidence]"), ev.ID),
		)
		clickNav(t, ctx, "[data-testid=status-submit]")
		waitText(t, ctx, "[data-testid=action-status]", "完了")
		waitText(t, ctx, "[data-testid=closing-note]", "取締役会の承認")
		waitText(t, ctx, "[data-testid=closing-evidence]", "情報セキュリティ方針 改訂版")
		checkA11y(t, ctx, "action")
		shot(t, ctx, "action-done")
	})

	t.Run("ManagerAcceptsARisk", func(t *testing.T) {
		ctx := browser(t, 1280, 900)
		login(t, ctx, s.url, "manager@kaizen.example")
		navigate(t, ctx, s.url+"/actions/"+byQuestion["1-3"])
		review := time.Now().AddDate(0, 6, 0).Format(time.DateOnly)
		do(t, ctx, "accept risk",
			chromedp.SetValue(chromedp.CSS("[data-testid=status-select]"), "risk_accepted"),
			chromedp.SendKeys(chromedp.CSS("[data-testid=risk-reason]"), "代替の管理策で十分と判断"),
			chromedp.SetValue(chromedp.CSS("[data-testid=risk-review]"), review),
		)
		clickNav(t, ctx, "[data-testid=status-submit]")
		waitText(t, ctx, "[data-testid=action-status]", "リスク受容")
		waitText(t, ctx, "[data-testid=risk-acceptance]", "管理 太郎")

		// The third action is overdue; the dashboard says so, with the
		// total once it is done: 76 + 1 (1-2 from 2 to 3) = 77.
		if _, err := storetest.DB(t, s.st).Exec(bg, `UPDATE actions SET due_on = current_date - 1 WHERE id = $1`, byQuestion["1-2"]); err != nil {
			t.Fatal(err)
		}
		navigate(t, ctx, s.url+"/dashboard")
		sel := fmt.Sprintf(`[data-testid=dashboard-row][data-org="%s"] [data-testid=row-actions]`, sub.ID)
		waitText(t, ctx, sel, "期限切れ 1 件")
		waitText(t, ctx, sel, "完了後の見込み 77 / 135")
		checkA11y(t, ctx, "dashboard-actions")
		shot(t, ctx, "dashboard-actions")
	})

	t.Run("NextYearFlagsTheImprovedQuestion", func(t *testing.T) {
		ctx := browser(t, 1280, 900)
		login(t, ctx, s.url, "officer@kaizen.example")
		navigate(t, ctx, s.url+"/assessments")
		do(t, ctx, "copy",
			chromedp.SendKeys(chromedp.ID("title"), "2026年度 自己評価"),
			chromedp.SetValue(chromedp.ID("copy_from"), a.ID),
		)
		clickNav(t, ctx, "[data-testid=create-assessment]")
		clickNav(t, ctx, "[data-testid=category-link-1]")
		flagged, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-testid=improvement-claimed]")].map(e => e.closest("[id^=carried-]").id)`))
		if len(flagged) != 1 || flagged[0] != "carried-1-1" {
			shotOnError(t, ctx, "improvement-claimed")
			t.Fatalf("improvement claimed on %v, want 1-1 only", flagged)
		}
		shot(t, ctx, "improvement-claimed")
	})
}
