package e2e

import (
	"context"
	_ "embed"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// a11yScript returns the page's problems under the rules axe-core does not
// check for WCAG 2.1 A/AA (axeScript covers names of controls, image
// alternatives, the page's language and the rest): radio groups outside a
// fieldset with a legend, SVG pictures without a text alternative, headings
// out of order or not exactly one h1, duplicate ids, and the skip link.
const a11yScript = `(() => {
  const problems = [];
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.name ? "[name=" + el.name + "]" : "");
  document.querySelectorAll("input[type=radio]").forEach(el => {
    const fs = el.closest("fieldset");
    if (!fs || !fs.querySelector("legend") || !fs.querySelector("legend").textContent.trim()) problems.push("radio outside a fieldset with a legend: " + describe(el));
  });
  document.querySelectorAll("svg").forEach(el => {
    if (el.getAttribute("aria-hidden") === "true" || el.closest("[aria-hidden=true]")) return;
    const labelled = el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") || el.querySelector(":scope > title");
    if (!labelled) problems.push("svg without a text alternative");
  });
  const hs = Array.from(document.querySelectorAll("h1, h2, h3, h4, h5, h6")).map(h => Number(h.tagName[1]));
  if (hs.filter(l => l === 1).length !== 1) problems.push("want exactly one h1, found " + hs.filter(l => l === 1).length);
  if (hs.length && hs[0] !== 1) problems.push("first heading is h" + hs[0]);
  for (let i = 1; i < hs.length; i++) if (hs[i] > hs[i - 1] + 1) problems.push("heading jumps from h" + hs[i - 1] + " to h" + hs[i]);
  const seen = {};
  document.querySelectorAll("[id]").forEach(el => { if (seen[el.id]) problems.push("duplicate id: " + el.id); seen[el.id] = true; });
  if (!document.querySelector("a.skip-link[href='#main']")) problems.push("no skip link");
  return problems.join("\n");
})()`

//go:embed testdata/axe-core/axe.min.js
var axeSource string

// axeScript runs axe-core on the page for the WCAG 2.1 A and AA rules and
// returns one line per violating element.
const axeScript = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]})
  .then(r => r.violations.flatMap(v => v.nodes.map(n => v.id + " (" + v.impact + "): " + n.target.join(" ") + " — " + v.help)).join("\n"))`

// checkA11y fails the test with the page's accessibility problems: every
// WCAG 2.1 A/AA violation axe-core finds, and the hand-written checks for
// what axe does not cover (radio groups with a legend, heading order, one
// h1, a skip link).
func checkA11y(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](a11yScript))
	if err != nil {
		t.Fatalf("a11y check on %s: %v", page, err)
	}
	if strings.TrimSpace(out) != "" {
		t.Errorf("accessibility problems on %s:\n%s", page, out)
	}
	if loaded, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof axe !== "undefined"`)); !loaded {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
			t.Fatalf("load axe-core on %s: %v", page, err)
		}
	}
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[string](axeScript, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe-core on %s: %v", page, err)
	}
	if strings.TrimSpace(violations) != "" {
		t.Errorf("axe-core (WCAG 2.1 A/AA) on %s:\n%s", page, violations)
	}
	pagesChecked.Add(1)
}

// TestA11yCheckerCatchesProblems proves the checker fails on a bad page.
func TestA11yCheckerCatchesProblems(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><html><body><h2>x</h2><h4>y</h4>
<input id="a" name="q"><input id="a" type="radio" name="r"><img src="x.png"><svg><circle r="1"/></svg><button></button></body></html>`)
	}))
	defer ts.Close()
	ctx := browser(t, 800, 600)
	navigate(t, ctx, ts.URL)
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](a11yScript))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"radio outside a fieldset", "svg without a text alternative", "want exactly one h1", "heading jumps from h2 to h4", "duplicate id: a", "no skip link"} {
		if !strings.Contains(out, want) {
			t.Errorf("checker missed %q; it said:\n%s", want, out)
		}
	}
}

// TestAxeCatchesProblems proves axe-core is loaded and reports the rules
// the issue found: a scrolling table the keyboard cannot reach, a link
// without text, and a link inside a button.
func TestAxeCatchesProblems(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><html lang="ja"><body><main><h1>x</h1>
<div style="width:100px;overflow-x:auto"><table><tr><td style="white-space:nowrap">とても長い表のセルの内容がここに入ります。とても長い</td></tr></table></div>
<a href="/r"><svg width="10" height="10"><circle r="4" cx="5" cy="5"/></svg></a>
<button><a href="/x">入れ子</a></button></main></body></html>`)
	}))
	defer ts.Close()
	ctx := browser(t, 800, 600)
	navigate(t, ctx, ts.URL)
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
		t.Fatal(err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](axeScript, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"scrollable-region-focusable", "link-name", "nested-interactive"} {
		if !strings.Contains(out, want) {
			t.Errorf("axe missed %s; it said:\n%s", want, out)
		}
	}
}
