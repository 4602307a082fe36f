package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
)

// layoutProblemsJS lists what breaks a page at phone width: an element
// (or the page) wider than the viewport, outside a box that scrolls on its
// own, and a text box narrower than 8em whose text wraps (squeezed to a
// few characters per line).
const layoutProblemsJS = `(() => {
	const vw = document.documentElement.clientWidth, out = [];
	const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
		(el.getAttribute("data-testid") ? "[" + el.getAttribute("data-testid") + "]" : "") +
		(typeof el.className === "string" && el.className ? "." + el.className.trim().split(/\s+/).join(".") : "");
	const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
		const o = getComputedStyle(p).overflowX; if (o === "auto" || o === "scroll" || o === "hidden") return true; } return false; };
	if (document.documentElement.scrollWidth > vw + 1) {
		const widest = [...document.body.querySelectorAll("*")].filter(e => e.getClientRects().length)
			.sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right).slice(0, 3).map(name).join(", ");
		out.push("page scrolls sideways: " + document.documentElement.scrollWidth + " > " + vw + " (widest: " + widest + ")");
	}
	for (const el of document.body.querySelectorAll("*")) {
		if ((el.closest("svg") && el.tagName.toLowerCase() !== "svg") || !el.getClientRects().length) continue;
		const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
		if (cs.visibility === "hidden" || cs.position === "fixed") continue;
		if ((r.right > vw + 1 || r.left < -1) && !scrolls(el) && !el.classList.contains("visually-hidden") && !el.closest(".visually-hidden,.skip-link")) {
			out.push("wider than the viewport: " + name(el) + " " + Math.round(r.left) + ".." + Math.round(r.right) + " > " + vw);
		}
		const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent.trim()).join("");
		const em = parseFloat(cs.fontSize), tops = new Set();
		for (const n of el.childNodes) {
			if (n.nodeType !== 3 || !n.textContent.trim()) continue;
			const rg = document.createRange(); rg.selectNodeContents(n);
			for (const b of rg.getClientRects()) tops.add(Math.round(b.top));
		}
		const wraps = tops.size > 1; // the text takes more than one line
		if (own.length >= 8 && wraps && r.width < 8 * em && cs.display !== "inline" && !el.closest(".table-wrap,.visually-hidden") && !/^(TD|TH|OPTION)$/.test(el.tagName)) {
			out.push("text box narrower than 8em: " + name(el) + " " + Math.round(r.width) + "px for " + JSON.stringify(own.slice(0, 20)));
		}
	}
	return out.slice(0, 20);
})()`

// checkLayout fails the test when the page breaks at its width (see
// layoutProblemsJS).
func checkLayout(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](layoutProblemsJS))
	if err != nil {
		t.Fatalf("layout check on %s: %v", page, err)
	}
	for _, p := range problems {
		t.Errorf("layout on %s: %s", page, p)
	}
}
