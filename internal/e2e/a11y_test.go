package e2e

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// a11yScript returns the page's accessibility problems: controls without an
// accessible name, radio groups outside a fieldset with a legend, images and
// SVG charts without a text alternative, headings out of order, duplicate ids.
const a11yScript = `(() => {
  const problems = [];
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.name ? "[name=" + el.name + "]" : "");
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const nameOf = (el) => {
    if (el.getAttribute("aria-label")) return el.getAttribute("aria-label").trim();
    const lb = el.getAttribute("aria-labelledby");
    if (lb) return lb.split(/\s+/).map(id => (document.getElementById(id) || {}).textContent || "").join(" ").trim();
    if (el.labels && el.labels.length) return Array.from(el.labels).map(l => l.textContent).join(" ").trim();
    if (el.tagName === "BUTTON") return el.textContent.trim();
    if (el.tagName === "INPUT" && ["submit", "button"].includes(el.type)) return (el.value || "").trim();
    if (el.getAttribute("title")) return el.getAttribute("title").trim();
    return "";
  };
  document.querySelectorAll("input:not([type=hidden]), select, textarea, button, progress").forEach(el => {
    if (!visible(el) && el.tagName !== "INPUT") return;
    if (!nameOf(el)) problems.push("no accessible name: " + describe(el));
  });
  document.querySelectorAll("input[type=radio]").forEach(el => {
    const fs = el.closest("fieldset");
    if (!fs || !fs.querySelector("legend") || !fs.querySelector("legend").textContent.trim()) problems.push("radio outside a fieldset with a legend: " + describe(el));
  });
  document.querySelectorAll("img").forEach(el => { if (!el.hasAttribute("alt")) problems.push("img without alt: " + (el.src || "").slice(0, 60)); });
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
  if (!document.documentElement.lang) problems.push("html without lang");
  if (!document.querySelector("a.skip-link[href='#main']")) problems.push("no skip link");
  return problems.join("\n");
})()`

// checkA11y fails the test with the page's accessibility problems.
func checkA11y(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](a11yScript))
	if err != nil {
		t.Fatalf("a11y check on %s: %v", page, err)
	}
	if strings.TrimSpace(out) != "" {
		t.Errorf("accessibility problems on %s:\n%s", page, out)
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
	for _, want := range []string{"no accessible name: input#a[name=q]", "radio outside a fieldset", "img without alt", "svg without a text alternative", "want exactly one h1", "heading jumps from h2 to h4", "duplicate id: a", "html without lang", "no skip link", "no accessible name: button"} {
		if !strings.Contains(out, want) {
			t.Errorf("checker missed %q; it said:\n%s", want, out)
		}
	}
}
