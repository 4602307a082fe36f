package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/store"
)

// submitted seeds a complete assessment at level 3 and submits it, the way
// the server does (results frozen in the same transaction).
func (s *site) submitted(officer store.User, title string) store.Assessment {
	s.t.Helper()
	ctx := context.Background()
	act := store.Actor{UserID: officer.ID, Email: officer.Email}
	a, err := s.st.CreateAssessment(ctx, store.NewAssessment{OrgID: officer.OrgID, Title: title, ChecklistID: checklist.Default().ID, Actor: act})
	if err != nil {
		s.t.Fatal(err)
	}
	three := 3
	for _, q := range checklist.Default().QuestionIDs() {
		if _, err := s.st.SaveAnswer(ctx, a.ID, q, assessment.AnswerValues{Level: &three, Comment: "運用中"}, act); err != nil {
			s.t.Fatal(err)
		}
	}
	a, err = s.st.Submit(ctx, a.ID, assessment.Draft, act)
	if err != nil {
		s.t.Fatal(err)
	}
	return a
}

func comment(t *testing.T, ctx context.Context, qid, body string) {
	t.Helper()
	form := "[data-testid=comment-form-thread-" + qid + "]"
	// An empty thread keeps its form behind a「コメントを追加」disclosure.
	open, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector("[data-testid=thread-`+qid+`] details:not([open]) summary")`))
	if open {
		do(t, ctx, "open thread "+qid, chromedp.Click(chromedp.CSS("[data-testid=thread-"+qid+"] summary")))
	}
	do(t, ctx, "comment "+qid, chromedp.SendKeys(chromedp.CSS(form+" textarea"), body))
	clickNav(t, ctx, "[data-testid=comment-submit-thread-"+qid+"]")
	waitText(t, ctx, "[data-testid=thread-"+qid+"]", body)
}

// TestReviewLoop: an outside auditor returns an assessment with comments,
// the officer fixes and resubmits, the auditor approves; next year the
// officer copies it and confirms the carried-over answers.
func TestReviewLoop(t *testing.T) {
	s := newSite(t)
	client := s.org("監査対象株式会社", nil)
	firm := s.org("監査法人サンプル", nil)
	off := s.user(client.ID, assessment.Officer, false, "officer@client.example")
	aud := s.user(firm.ID, assessment.Auditor, false, "auditor@firm.example")
	if err := s.st.AssignAuditor(context.Background(), aud.ID, client.ID, store.Actor{Email: "test"}); err != nil {
		t.Fatal(err)
	}
	a := s.submitted(off, "2026年度 自己評価")

	// The auditor finds it in the queue, comments on two questions and
	// returns it.
	actx := browser(t, 1280, 900)
	login(t, actx, s.url, "auditor@firm.example")
	navigate(t, actx, s.url+"/reviews")
	waitText(t, actx, "[data-testid=queue-row]", "2026年度 自己評価")
	checkA11y(t, actx, "reviews")
	shot(t, actx, "review-queue")
	clickNav(t, actx, "[data-testid=queue-row] a")
	checkA11y(t, actx, "review")
	clickNav(t, actx, "[data-testid=mark-attention-1-1]")
	comment(t, actx, "1-1", "規程の承認記録を添付してください。")
	comment(t, actx, "2-1", "入退室記録の保管期間を確認しました。")
	do(t, actx, "return comment", chromedp.SendKeys(chromedp.ID("return-comment"), "1-1 の根拠を補ってください。"))
	shot(t, actx, "review-before-return")
	viewShot(t, actx, "review")
	clickNav(t, actx, "[data-testid=return]")
	waitText(t, actx, "main", "差し戻し")

	// The officer sees it waiting, finds the comment beside the question,
	// fixes it, answers and resubmits.
	octx := browser(t, 1280, 900)
	login(t, octx, s.url, "officer@client.example")
	navigate(t, octx, s.url+"/assessments")
	waitText(t, octx, "[data-testid=waiting]", "2026年度 自己評価")
	// The overview says why it came back and links the flagged question.
	navigate(t, octx, s.url+"/assessments/"+a.ID)
	waitText(t, octx, "[data-testid=return-comment]", "1-1 の根拠を補ってください。")
	waitText(t, octx, "[data-testid=flagged-list]", "1-1")
	checkA11y(t, octx, "returned overview")
	shot(t, octx, "returned-overview")
	clickNav(t, octx, "[data-testid=flagged-1-1]")
	waitText(t, octx, "[data-testid=question-1-1]", "1-1")
	navigate(t, octx, s.url+"/assessments/"+a.ID+"/categories/1")
	waitText(t, octx, "[data-testid=thread-1-1]", "規程の承認記録を添付してください。")
	waitText(t, octx, "[data-testid=question-1-1] [data-testid=attention-marker]", "")
	checkA11y(t, octx, "returned category")
	shot(t, octx, "officer-sees-comments")
	viewShot(t, octx, "returned-question")
	do(t, octx, "fix 1-1", chromedp.Click(chromedp.ID("l-1-1-4")))
	waitVersion(t, octx, "1-1", 2)
	comment(t, octx, "1-1", "取締役会議事録（2026年4月）を添付しました。")
	navigate(t, octx, s.url+"/assessments/"+a.ID)
	clickNav(t, octx, "[data-testid=submit]")
	waitText(t, octx, "[data-testid=status]", "提出済み")

	// The auditor approves.
	navigate(t, actx, s.url+"/assessments/"+a.ID+"/review")
	waitText(t, actx, "[data-testid=changed-list]", "1-1")
	// 1-1 is still marked 要対応 and 26 questions were never marked: the
	// approval asks first, naming them.
	clickNav(t, actx, "[data-testid=approve]")
	waitText(t, actx, "[data-testid=confirm-attention]", "1-1")
	waitText(t, actx, "[data-testid=confirm-approval]", "まだ確認していない設問 26件")
	waitText(t, actx, "[data-testid=status]", "提出済み")
	checkA11y(t, actx, "approval confirmation")
	shot(t, actx, "approve-confirm")
	clickNav(t, actx, "[data-testid=approve-confirmed]")
	waitText(t, actx, "main", "承認済み")
	shot(t, actx, "approved")

	// History shows who changed what.
	navigate(t, octx, s.url+"/assessments/"+a.ID+"/history")
	waitText(t, octx, "main", "3 → 4")
	checkA11y(t, octx, "history")

	// Next year: copy and confirm carried-over answers.
	navigate(t, octx, s.url+"/assessments")
	do(t, octx, "new from last year",
		chromedp.SendKeys(chromedp.ID("title"), "2027年度 自己評価"),
		chromedp.SetValue(chromedp.ID("copy_from"), a.ID),
	)
	clickNav(t, octx, "[data-testid=create-assessment]")
	loc, _ := chromedp.Run(octx, chromedp.Location())
	navigate(t, octx, loc+"/categories/5")
	waitText(t, octx, "[data-testid=question-5-1]", "引継ぎ")
	shot(t, octx, "carried-over")
	cl := checklist.Default()
	// One question confirmed on its own (a save), then the rest of the
	// category in one action.
	do(t, octx, "confirm 5-1", chromedp.Click(chromedp.CSS("[data-testid=confirm-5-1]")))
	waitVersion(t, octx, "5-1", 2) // copied at version 1; confirming saves once
	navigate(t, octx, loc+"/categories/5")
	waitText(t, octx, "[data-testid=confirm-category-submit]", "未確認 2件")
	waitText(t, octx, ".category-nav", "未確認 8") // category 1, not confirmed
	checkA11y(t, octx, "confirm category")
	shot(t, octx, "confirm-category")
	clickNav(t, octx, "[data-testid=confirm-category-submit]")
	waitText(t, octx, "main", "引き継いだ回答 2件を確認しました。")
	// Progress counts confirmed answers only: 3 of 27.
	navigate(t, octx, loc)
	waitText(t, octx, "[data-testid=category-table]", "3/3")
	waitText(t, octx, "[data-testid=category-table] tr:nth-child(1) [data-testid=unconfirmed]", "未確認 8")
	answers, err := s.st.Answers(context.Background(), strings.TrimPrefix(loc, s.url+"/assessments/"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range cl.Categories[4].Questions {
		if a := answers[q.ID]; a.CarriedOver || a.Level == nil || *a.Level != 3 {
			t.Fatalf("after confirming, %s = %+v", q.ID, a)
		}
	}
	if answers["1-1"].Level == nil || *answers["1-1"].Level != 4 || !answers["1-1"].CarriedOver {
		t.Fatalf("1-1 should carry the fixed level 4, unconfirmed: %+v", answers["1-1"])
	}
}
