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
)

// waitVersion waits until the question's version field reaches v: every
// autosave the page sent has been stored.
func waitVersion(t *testing.T, ctx context.Context, qid string, v int) {
	t.Helper()
	expr := fmt.Sprintf(`(() => { const e = document.getElementById("version-%s"); return !!e && Number(e.value) >= %d; })()`, qid, v)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		shotOnError(t, ctx, "version-"+qid)
		t.Fatalf("question %s never reached version %d: %v", qid, v, err)
	}
}

// answerByMouse ticks the first key point and clicks a level, and waits for
// both autosaves.
func answerByMouse(t *testing.T, ctx context.Context, q checklist.Question, level int) {
	t.Helper()
	do(t, ctx, "answer "+q.ID,
		chromedp.Click(chromedp.ID("p-"+q.Points[0].ID)),
		chromedp.Click(chromedp.ID(fmt.Sprintf("l-%s-%d", q.ID, level))),
	)
	waitVersion(t, ctx, q.ID, 2)
	waitText(t, ctx, "#status-"+q.ID, "保存しました")
}

// answerByKeyboard reaches the level radio with focus and Space, as a
// keyboard user does, then moves with the arrow key.
func answerByKeyboard(t *testing.T, ctx context.Context, q checklist.Question) {
	t.Helper()
	do(t, ctx, "keyboard "+q.ID,
		chromedp.Focus(chromedp.ID(fmt.Sprintf("l-%s-2", q.ID))),
		chromedp.KeyEvent(" "),
	)
	waitVersion(t, ctx, q.ID, 1)
	do(t, ctx, "arrow "+q.ID, chromedp.KeyEvent("\u0303")) // ArrowRight: level 3
	waitVersion(t, ctx, q.ID, 2)
}

func checked(t *testing.T, ctx context.Context, id string) bool {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.getElementById(%q).checked`, id)))
	if err != nil {
		t.Fatalf("checked %s: %v", id, err)
	}
	return v
}

func TestOfficerJourney(t *testing.T) { officerJourney(t, 1280, 900) }

// TestOfficerJourneyPhone is the same journey on a phone-sized screen.
func TestOfficerJourneyPhone(t *testing.T) { officerJourney(t, 390, 844) }

func officerJourney(t *testing.T, width, height int64) {
	s := newSite(t)
	org := s.org("ブラウザ株式会社", nil)
	s.user(org.ID, assessment.Officer, false, "hanako@example.jp")
	s.user(org.ID, assessment.Officer, false, "taro@example.jp")
	cl := checklist.Default()

	ctx := browser(t, width, height)
	login(t, ctx, s.url, "hanako@example.jp")
	navigate(t, ctx, s.url+"/assessments")
	shot(t, ctx, "assessments-empty")
	checkA11y(t, ctx, "assessments")
	do(t, ctx, "create",
		chromedp.SendKeys(chromedp.ID("title"), "2026年度 自己評価"),
	)
	clickNav(t, ctx, `[data-testid=create-assessment]`)
	if got := text(t, ctx, "h1"); got != "2026年度 自己評価" {
		t.Fatalf("overview h1 = %q", got)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	assessmentURL := loc
	shot(t, ctx, "overview-new")
	checkA11y(t, ctx, "overview")

	// Categories 1 and 2 by mouse.
	for _, c := range cl.Categories[:2] {
		navigate(t, ctx, assessmentURL+"/categories/"+c.ID)
		for i, q := range c.Questions {
			answerByMouse(t, ctx, q, 1+i%5)
		}
		shot(t, ctx, "category-"+c.ID+"-answered")
		checkA11y(t, ctx, "category "+c.ID)
	}

	// Reload: everything kept.
	for _, c := range cl.Categories[:2] {
		navigate(t, ctx, assessmentURL+"/categories/"+c.ID)
		for i, q := range c.Questions {
			if !checked(t, ctx, fmt.Sprintf("l-%s-%d", q.ID, 1+i%5)) || !checked(t, ctx, "p-"+q.Points[0].ID) {
				t.Fatalf("after reload question %s lost its answer", q.ID)
			}
		}
	}

	// A colleague in another browser edits the same answer: no silent
	// overwrite.
	t.Run("Conflict", func(t *testing.T) {
		other := browser(t, width, height)
		login(t, other, s.url, "taro@example.jp")
		navigate(t, other, assessmentURL+"/categories/1")
		// Hanako changes 1-1 first.
		navigate(t, ctx, assessmentURL+"/categories/1")
		do(t, ctx, "hanako changes 1-1", chromedp.Click(chromedp.ID("l-1-1-5")))
		waitVersion(t, ctx, "1-1", 3)
		// Taro, on the stale page, types a comment.
		do(t, other, "taro edits 1-1", chromedp.SendKeys(chromedp.ID("c-1-1"), "太郎の根拠"))
		waitText(t, other, "[data-testid=conflict-1-1]", "他の担当者が保存しました")
		shot(t, other, "conflict")
		do(t, other, "scroll", chromedp.Evaluate[chromedp.Void](`document.getElementById("conflict-1-1").scrollIntoView({block: "center"})`))
		if width > 1000 {
			viewShot(t, other, "conflict")
		} else {
			viewShot(t, other, "conflict-phone")
		}
		checkA11y(t, other, "category with conflict")
		// His text is still in the form, and Hanako's answer was kept.
		val, _ := chromedp.Run(other, chromedp.Value(chromedp.ID("c-1-1")))
		if val != "太郎の根拠" {
			t.Fatalf("taro's text lost: %q", val)
		}
		answers, err := s.st.Answers(context.Background(), strings.TrimPrefix(assessmentURL, s.url+"/assessments/"))
		if err != nil {
			t.Fatal(err)
		}
		if a := answers["1-1"]; a.Level == nil || *a.Level != 5 || a.Comment != "" {
			t.Fatalf("stored 1-1 = %+v, want Hanako's level 5 and no comment", a)
		}
		// Taro decides to keep his answer.
		do(t, other, "keep mine", chromedp.Click(chromedp.CSS("[data-testid=keep-mine-1-1]")))
		waitVersion(t, other, "1-1", 4)
		waitText(t, other, "#status-1-1", "保存しました")
		if got := text(t, other, "[data-testid=conflict-1-1]"); strings.TrimSpace(got) != "" {
			t.Fatalf("conflict panel still shown after keep mine: %q", got)
		}
		answers, _ = s.st.Answers(context.Background(), strings.TrimPrefix(assessmentURL, s.url+"/assessments/"))
		if answers["1-1"].Comment != "太郎の根拠" {
			t.Fatalf("keep mine did not save: %+v", answers["1-1"])
		}
	})

	// The rest: category 3 by keyboard, 4 and 5 by mouse.
	navigate(t, ctx, assessmentURL+"/categories/3")
	for _, q := range cl.Categories[2].Questions {
		answerByKeyboard(t, ctx, q)
	}
	for _, c := range cl.Categories[3:] {
		navigate(t, ctx, assessmentURL+"/categories/"+c.ID)
		for _, q := range c.Questions {
			answerByMouse(t, ctx, q, 4)
		}
	}
	navigate(t, ctx, assessmentURL+"/categories/3")
	if !checked(t, ctx, "l-3-1-3") {
		t.Fatal("keyboard answer (arrow to level 3) not kept")
	}

	navigate(t, ctx, assessmentURL)
	shot(t, ctx, "overview-complete")
	clickNav(t, ctx, `[data-testid=submit]`)
	waitText(t, ctx, "[data-testid=status]", "提出済み")
	waitText(t, ctx, "[data-testid=readonly]", "提出済み")
	shot(t, ctx, "submitted")
	navigate(t, ctx, assessmentURL+"/categories/1")
	disabled, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("l-1-1-1").disabled`))
	if !disabled {
		t.Fatal("after submission the level radios are still enabled")
	}
	shot(t, ctx, "category-readonly")
	checkA11y(t, ctx, "category read-only")
}
