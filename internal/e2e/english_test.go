package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"mamori/internal/assessment"
)

// japaneseScript returns the visible text of the page that contains
// Japanese, leaving out elements marked lang="ja" (the language switch).
const japaneseScript = `(() => {
  const re = /[\u3040-\u30ff\u3400-\u9fff\u3000-\u303f\uff00-\uffef]/;
  const bad = [];
  const walk = (n) => {
    if (n.nodeType === Node.ELEMENT_NODE) {
      if (n.getAttribute("lang") === "ja" || ["SCRIPT", "STYLE"].includes(n.tagName)) return;
      for (const c of n.childNodes) walk(c);
      for (const a of ["aria-label", "title", "placeholder", "alt"]) {
        const v = n.getAttribute && n.getAttribute(a);
        if (v && re.test(v)) bad.push(a + ": " + v.slice(0, 80));
      }
      if (n.tagName === "INPUT" && ["submit", "button"].includes(n.type) && re.test(n.value)) bad.push("button: " + n.value);
    } else if (n.nodeType === Node.TEXT_NODE && re.test(n.textContent)) {
      bad.push(n.textContent.trim().slice(0, 80));
    }
  };
  walk(document.body);
  if (re.test(document.title)) bad.push("title: " + document.title);
  return bad.join("\n");
})()`

func noJapanese(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](japaneseScript))
	if err != nil {
		t.Fatal(err)
	}
	if out != "" {
		shotOnError(t, ctx, "japanese")
		t.Errorf("Japanese text on the English %s page:\n%s", page, out)
	}
}

// TestEnglishUI: with English chosen, the pages show no Japanese (the data
// of this organisation is in English too, and the checklist has English).
func TestEnglishUI(t *testing.T) {
	s := newSite(t)
	org := s.org("Example Ltd", nil)
	s.user(org.ID, assessment.Officer, false, "officer@example.com", "Jane Officer")
	ctx := browser(t, 1280, 900)
	login(t, ctx, s.url, "officer@example.com")
	clickNav(t, ctx, "[data-testid=lang-en]")
	navigate(t, ctx, s.url+"/assessments")
	if got := text(t, ctx, "h1"); got != "Assessments" {
		t.Fatalf("h1 after switching to English = %q", got)
	}
	noJapanese(t, ctx, "assessments")
	do(t, ctx, "create", chromedp.SendKeys(chromedp.ID("title"), "FY2026 self-assessment"))
	clickNav(t, ctx, "[data-testid=create-assessment]")
	noJapanese(t, ctx, "overview")
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	for _, c := range []string{"1", "4"} {
		navigate(t, ctx, loc+"/categories/"+c)
		noJapanese(t, ctx, "category "+c)
		checkA11y(t, ctx, "English category "+c)
	}
	do(t, ctx, "answer", chromedp.Click(chromedp.ID("l-4-1-3")))
	waitText(t, ctx, "#status-4-1", "Saved")
	shot(t, ctx, "english-category")
	navigate(t, ctx, loc+"/report")
	noJapanese(t, ctx, "report")
	// Improvement actions: one written from scratch, its page, the list and
	// the planner, in English.
	navigate(t, ctx, s.url+"/actions/new")
	noJapanese(t, ctx, "new action")
	do(t, ctx, "new action", chromedp.SendKeys(chromedp.ID("f-title"), "Review the security policy"))
	clickNav(t, ctx, "[data-testid=action-create]")
	waitText(t, ctx, "[data-testid=action-title]", "Review the security policy")
	noJapanese(t, ctx, "action")
	checkA11y(t, ctx, "English action")
	navigate(t, ctx, s.url+"/actions")
	noJapanese(t, ctx, "actions")
	navigate(t, ctx, loc+"/what-if?lv-1-1=5")
	noJapanese(t, ctx, "what-if")
	navigate(t, ctx, s.url+"/account")
	noJapanese(t, ctx, "account")
	// The choice is the user's setting: it survives a new sign-in.
	other := browser(t, 1280, 900)
	login(t, other, s.url, "officer@example.com")
	navigate(t, other, s.url+"/assessments")
	if got := text(t, other, "h1"); got != "Assessments" {
		t.Fatalf("language not kept for the user: h1 = %q", got)
	}
}
