package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

func (d *diag) page(c *http.Client, path string) (*http.Response, *goquery.Document) {
	d.t.Helper()
	res, body := d.get(c, path)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		d.t.Fatal(err)
	}
	return res, doc
}

func testid(doc *goquery.Document, id string) *goquery.Selection {
	return doc.Find(`[data-testid="` + id + `"]`)
}

func text(doc *goquery.Document, id string) string {
	return strings.Join(strings.Fields(testid(doc, id).First().Text()), " ")
}

func TestReportPage(t *testing.T) {
	d := newDiag(t)
	// GI: employees 300 and online services.
	d.putProfile(d.offTok, d.home.ID, profileBody(map[string]any{"employees": 300, "online_services": true}))
	// The previous assessment: everything at 2, submitted.
	prev := d.draft(d.officer)
	d.answer(prev.ID, d.uniformLevels(2), nil)
	if st, m := d.api(d.offTok, "POST", "/api/v1/assessments/"+prev.ID+"/submit", map[string]any{}); st != 200 {
		t.Fatalf("submit: %d %v", st, m)
	}
	a := d.draft(d.officer)
	d.answer(a.ID, d.byCategory(
		[]int{1, 2, 3, 4, 5, 1, 2, 3}, // 21 → 2.63
		[]int{5, 5, 4, 4},             // 18 → 4.50
		[]int{3, 3, 3, 3, 3, 3, 4},    // 22 → 3.14
		[]int{2, 2, 2, 2, 1},          // 9 → 1.80
		[]int{1, 2, 2},                // 5 → 1.67
	), nil)
	c := d.login(d.officer)

	res, doc := d.page(c, "/assessments/"+a.ID+"/report")
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	checks := map[string]string{
		"total-score":          "75",
		"total-max":            "135",
		"total-average":        "2.78", // 75/27
		"total-target-average": "4.00",
		"answered":             "27 / 27",
		"risk-group":           "GI",
		"cat-average-1":        "2.63",
		"cat-average-3":        "3.14",
		"cat-average-5":        "1.67",
		"cat-target-1":         "4.00",
		"cat-previous-1":       "2.00",
		"cat-score-2":          "18 / 20",
		"q-target-1-1":         "4",
		"q-gap-1-1":            "3",
		"q-gap-1-5":            "0",
		"report-org":           "診断株式会社",
	}
	for id, want := range checks {
		if got := text(doc, id); got != want {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
	if testid(doc, "report-actions").Length() != 1 || !strings.Contains(text(doc, "report-actions"), "PDF") {
		t.Error("report-actions container with the print hint missing")
	}
	if !strings.HasPrefix(text(doc, "q-level-1-1"), "1 ") {
		t.Errorf("level label %q", text(doc, "q-level-1-1"))
	}
	if testid(doc, "basis-current").Length() != 1 || testid(doc, "basis-frozen").Length() != 0 {
		t.Error("a draft must say it uses the current targets")
	}
	if testid(doc, "reason-employees_ge_300").Length() != 1 || testid(doc, "reason-online_services").Length() != 1 {
		t.Error("risk reasons missing")
	}

	for _, chart := range []struct {
		id   string
		axes int
	}{{"radar-categories", 5}, {"radar-questions", 27}} {
		svg := testid(doc, chart.id).Find(`svg[role="img"]`)
		if svg.Length() != 1 {
			t.Fatalf("%s: no svg", chart.id)
		}
		if l, _ := svg.Attr("aria-label"); l == "" {
			t.Errorf("%s: no aria-label", chart.id)
		}
		if n := svg.Find(".radar-grid line").Length(); n != chart.axes {
			t.Errorf("%s: %d axes, want %d", chart.id, n, chart.axes)
		}
		for _, kind := range []string{"target", "previous", "current"} {
			if testid(doc, chart.id+"-"+kind).Length() != 1 {
				t.Errorf("%s: no %s polygon", chart.id, kind)
			}
		}
	}
	if n := doc.Find(`table[data-testid^="category-table-"]`).Length(); n != 5 {
		t.Errorf("%d category tables", n)
	}
	if testid(doc, "category-summary").Find("tbody tr").Length() != 5 {
		t.Error("category data table beside the chart")
	}
	// 20 recommendations (see TestReportAPI/MixedGI), 1-1 first with all
	// its 12 key points.
	recs := testid(doc, "recommendations").Find("li.recommendation")
	if recs.Length() != 20 {
		t.Errorf("%d recommendations", recs.Length())
	}
	if id, _ := recs.First().Attr("data-testid"); id != "rec-1-1" || recs.First().Find(".missing-points li").Length() != 12 {
		t.Errorf("first recommendation %s", id)
	}
	if href, _ := testid(doc, "compare-previous").Attr("href"); href != "/assessments/"+a.ID+"/compare/"+prev.ID {
		t.Errorf("compare link %q", href)
	}
	if testid(doc, "compare-form").Find("option").Length() != 1 {
		t.Error("compare picker should list the one other assessment")
	}

	t.Run("SubmittedShowsFrozenBasis", func(t *testing.T) {
		_, doc := d.page(c, "/assessments/"+prev.ID+"/report")
		if testid(doc, "basis-frozen").Length() != 1 || text(doc, "total-score") != "54" || text(doc, "risk-group") != "GI" {
			t.Fatalf("frozen %d score %q", testid(doc, "basis-frozen").Length(), text(doc, "total-score"))
		}
		if testid(doc, "reason-employees_ge_300").Length() != 1 {
			t.Fatal("frozen report lost its reasons")
		}
	})
	t.Run("English", func(t *testing.T) {
		ce := d.login(d.officer)
		d.postForm(ce, "/lang", url.Values{"lang": {"en"}, "next": {"/"}})
		_, doc := d.page(ce, "/assessments/"+a.ID+"/report")
		if h := text(doc, "report-title"); !strings.HasPrefix(h, "Diagnosis:") || text(doc, "total-average") != "2.78" {
			t.Fatalf("English title %q", h)
		}
	})
	t.Run("OtherOrganisation404", func(t *testing.T) {
		o := d.org2()
		res, _ := d.get(d.login(o.mgr), "/assessments/"+a.ID+"/report")
		if res.StatusCode != http.StatusNotFound {
			t.Fatalf("status %d", res.StatusCode)
		}
	})
}
