package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"mamori/internal/assessment"
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

func TestCopyConfirmAndCompare(t *testing.T) {
	d := newDiag(t)
	c := d.login(d.officer)
	first := d.draft(d.officer)
	d.answer(first.ID, d.uniformLevels(2), nil)
	if st, m := d.api(d.offTok, "POST", "/api/v1/assessments/"+first.ID+"/submit", map[string]any{}); st != 200 {
		t.Fatalf("submit: %d %v", st, m)
	}
	st, m := d.api(d.offTok, "POST", "/api/v1/assessments", map[string]any{"title": "2027年度", "copy_from": first.ID})
	if st != 201 || m["progress"].(map[string]any)["carried_over"] != 27.0 {
		t.Fatalf("copy: %d %v", st, m)
	}
	second := m["id"].(string)

	// The category page offers 「変更なしで確認」 for each carried-over answer.
	_, doc := d.page(c, "/assessments/"+second+"/categories/1")
	if testid(doc, "confirm-1-1").Length() != 1 || testid(doc, "carried-marker").Length() != 8 {
		t.Fatalf("confirm buttons: %d, markers %d", testid(doc, "confirm-1-1").Length(), testid(doc, "carried-marker").Length())
	}
	if txt := testid(doc, "confirm-1-1").Text(); txt != "変更なしで確認" {
		t.Fatalf("button %q", txt)
	}
	_, ov := d.page(c, "/assessments/"+second)
	if !strings.Contains(text(ov, "unanswered"), "変更なしで確認") {
		t.Errorf("overview hint missing: %q", text(ov, "unanswered"))
	}

	ans, _ := d.st.Answers(context.Background(), second)
	// Without JavaScript the button posts the unchanged form: it confirms.
	res := d.postForm(c, "/assessments/"+second+"/answers/1-2", url.Values{"level": {"2"}, "version": {strconv.Itoa(ans["1-2"].Version)}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: status %d", res.StatusCode)
	}
	// With htmx the same form answers with the fragments, the marker gone.
	hres, body := htmxPost(t, c, d.ts.URL+"/assessments/"+second+"/answers/1-3", url.Values{"level": {"2"}, "version": {strconv.Itoa(ans["1-3"].Version)}})
	if hres.StatusCode != 200 || !strings.Contains(body, `id="carried-1-3" hx-swap-oob="true"`) || strings.Contains(body, "confirm-1-3") {
		t.Fatalf("htmx confirm: %d %s", hres.StatusCode, body)
	}
	// Raise 1-1 from 2 to 3.
	d.postForm(c, "/assessments/"+second+"/answers/1-1", url.Values{"level": {"3"}, "version": {strconv.Itoa(ans["1-1"].Version)}})
	after, _ := d.st.Answers(context.Background(), second)
	for _, q := range []string{"1-1", "1-2", "1-3"} {
		if after[q].CarriedOver || after[q].Version != ans[q].Version+1 {
			t.Errorf("%s after confirm: carried %v version %d (was %d)", q, after[q].CarriedOver, after[q].Version, ans[q].Version)
		}
	}
	if !after["1-4"].CarriedOver {
		t.Error("1-4 confirmed without a save")
	}
	_, doc = d.page(c, "/assessments/"+second+"/categories/1")
	if testid(doc, "confirm-1-2").Length() != 0 || testid(doc, "confirm-1-4").Length() != 1 {
		t.Error("confirmed answer still offers the button")
	}

	// The overview links to the comparison with the source.
	if href, _ := testid(ov, "link-compare").Attr("href"); href != "/assessments/"+second+"/compare/"+first.ID {
		t.Errorf("overview compare link %q", href)
	}
	// Compare: 1-1 raised by one, 1-2 unchanged; category 1 average
	// (3 + 7 × 2)/8 = 17/8 = 2.125 → 2.13 against 2.00: +0.13.
	res, doc = d.page(c, "/assessments/"+second+"/compare/"+first.ID)
	if res.StatusCode != 200 {
		t.Fatalf("compare: status %d", res.StatusCode)
	}
	for id, want := range map[string]string{"change-1-1": "+1", "change-1-2": "±0", "change-cat-1": "+0.13", "change-cat-2": "±0.00", "change-total": "+1"} {
		if got := text(doc, id); got != want {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
	// Seen the other way round, the change is negative.
	_, doc = d.page(c, "/assessments/"+first.ID+"/compare/"+second)
	if got := text(doc, "change-1-1"); got != "−1" {
		t.Errorf("reverse change %q", got)
	}

	t.Run("PickerRedirects", func(t *testing.T) {
		res, _ := d.get(c, "/assessments/"+second+"/compare?other="+first.ID)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/assessments/"+second+"/compare/"+first.ID {
			t.Fatalf("status %d location %q", res.StatusCode, res.Header.Get("Location"))
		}
		res, _ = d.get(c, "/assessments/"+second+"/compare")
		if res.Header.Get("Location") != "/assessments/"+second+"/compare/"+first.ID {
			t.Fatalf("without other: location %q", res.Header.Get("Location"))
		}
	})
	t.Run("OtherOrganisation404", func(t *testing.T) {
		o := d.org2()
		theirs := d.draft(d.user(o.org.ID, assessment.Officer, false))
		for _, path := range []string{
			"/assessments/" + second + "/compare/" + theirs.ID,
			"/assessments/" + second + "/compare?other=" + theirs.ID,
			"/assessments/" + second + "/compare/not-a-uuid",
		} {
			if res, _ := d.get(c, path); res.StatusCode != http.StatusNotFound {
				t.Errorf("%s: status %d", path, res.StatusCode)
			}
		}
		if res, _ := d.get(d.login(o.mgr), "/assessments/"+theirs.ID+"/compare/"+second); res.StatusCode != http.StatusNotFound {
			t.Errorf("outsider comparing with ours: %d", res.StatusCode)
		}
	})
}

func TestProfilePage(t *testing.T) {
	d := newDiag(t)
	c := d.login(d.officer)
	path := "/orgs/" + d.home.ID + "/profile"

	_, doc := d.page(c, "/profile")
	if testid(doc, "profile-form").Length() != 1 || text(doc, "risk-group") != "GII" || testid(doc, "risk-no-profile").Length() != 1 {
		t.Fatalf("new profile page: form %d group %q", testid(doc, "profile-form").Length(), text(doc, "risk-group"))
	}

	form := url.Values{"version": {"0"}, "industry": {"finance_insurance"}, "employees": {"320"}, "annual_sales_million_jpy": {"5,000"},
		"personal_records": {"120000"}, "it_dependence": {"4"}, "online_services": {"1"}}
	res := d.postForm(c, path, form)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != path {
		t.Fatalf("save: status %d location %q", res.StatusCode, res.Header.Get("Location"))
	}
	_, doc = d.page(c, "/profile")
	// 320 employees (25), 120,000 records (20 + 10), IT 4 (10), online (10): GI, 75.
	if text(doc, "risk-group") != "GI" || text(doc, "risk-index") != "リスク指標 75 / 100" {
		t.Fatalf("after save: %q %q", text(doc, "risk-group"), text(doc, "risk-index"))
	}
	for _, code := range []string{"employees_ge_300", "records_ge_100000", "it_dependence_ge_4", "online_services", "records_ge_5000"} {
		if testid(doc, "reason-"+code).Length() != 1 {
			t.Errorf("reason %s missing", code)
		}
	}
	if !strings.Contains(text(doc, "reason-records_ge_100000"), "120,000") {
		t.Errorf("reason text %q", text(doc, "reason-records_ge_100000"))
	}
	if testid(doc, "history-1").Length() != 1 {
		t.Error("history row missing")
	}
	if v, _ := doc.Find("#annual_sales_million_jpy").Attr("value"); v != "5000" {
		t.Errorf("sales value %q", v)
	}

	t.Run("InvalidKeepsValues", func(t *testing.T) {
		bad := url.Values{"version": {"1"}, "industry": {"finance_insurance"}, "employees": {"abc"}, "annual_sales_million_jpy": {"5000"},
			"personal_records": {"-3"}, "it_dependence": {"4"}}
		res := d.postForm(c, path, bad)
		doc, _ := goquery.NewDocumentFromReader(strings.NewReader(readBody(t, res)))
		if res.StatusCode != http.StatusUnprocessableEntity || testid(doc, "error-employees").Length() != 1 || testid(doc, "error-personal_records").Length() != 1 {
			t.Fatalf("status %d", res.StatusCode)
		}
		if v, _ := doc.Find("#employees").Attr("value"); v != "abc" {
			t.Errorf("typed value lost: %q", v)
		}
		if inv, _ := doc.Find("#employees").Attr("aria-invalid"); inv != "true" {
			t.Error("aria-invalid missing")
		}
		if p, _ := d.st.GetProfile(context.Background(), d.home.ID); p.Employees != 320 {
			t.Fatalf("refused save wrote: %+v", p)
		}
	})
	t.Run("ChangeShowsInHistory", func(t *testing.T) {
		form.Set("version", "1")
		form.Set("employees", "280")
		d.postForm(c, path, form)
		_, doc := d.page(c, path)
		if h := text(doc, "history-2"); !strings.Contains(h, "320人 → 280人") || strings.Contains(h, "業種") {
			t.Fatalf("history row %q", h)
		}
	})
	t.Run("AuditorReadOnly", func(t *testing.T) {
		aud := d.user(d.home.ID, assessment.Auditor, false)
		ca := d.login(aud)
		_, doc := d.page(ca, path)
		if testid(doc, "profile-form").Length() != 0 || testid(doc, "profile-readonly").Length() != 1 {
			t.Fatal("auditor sees a form")
		}
		if res := d.postForm(ca, path, form); res.StatusCode != http.StatusForbidden {
			t.Fatalf("auditor POST: %d", res.StatusCode)
		}
	})
	t.Run("ManagerPicksSubsidiary", func(t *testing.T) {
		child := d.org("診断株式会社 子会社", &d.home.ID)
		cm := d.login(d.manager)
		_, doc := d.page(cm, "/profile")
		if testid(doc, "org-picker").Find("option").Length() != 2 {
			t.Fatal("organisation picker missing")
		}
		res, _ := d.get(cm, "/profile?org="+child.ID)
		if res.Header.Get("Location") != "/orgs/"+child.ID+"/profile" {
			t.Fatalf("location %q", res.Header.Get("Location"))
		}
		_, doc = d.page(cm, "/orgs/"+child.ID+"/profile")
		if text(doc, "profile-org") != "診断株式会社 子会社" || testid(doc, "profile-form").Length() != 1 {
			t.Fatal("manager cannot edit the subsidiary's profile")
		}
		// The officer of the parent cannot see the subsidiary.
		if res, _ := d.get(c, "/orgs/"+child.ID+"/profile"); res.StatusCode != http.StatusNotFound {
			t.Fatalf("officer → subsidiary: %d", res.StatusCode)
		}
	})
}

func TestTargetsPage(t *testing.T) {
	d := newDiag(t)
	path := "/orgs/" + d.home.ID + "/targets"
	cm := d.login(d.manager)

	_, doc := d.page(cm, path)
	if doc.Find(`select[name^="t-"]`).Length() != 27 || text(doc, "targets-group") == "" {
		t.Fatalf("%d selects", doc.Find(`select[name^="t-"]`).Length())
	}
	res := d.postForm(cm, path, url.Values{"t-1-1": {"5"}, "t-2-2": {""}, "t-5-3": {"1"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", res.StatusCode)
	}
	_, m := d.api(d.mgrTok, "GET", "/api/v1/orgs/"+d.home.ID+"/targets", nil)
	if ov := m["overrides"].(map[string]any); len(ov) != 2 || ov["1-1"] != 5.0 || ov["5-3"] != 1.0 {
		t.Fatalf("overrides %v", ov)
	}
	_, doc = d.page(cm, path)
	if v, _ := doc.Find(`#t-1-1 option[selected]`).Attr("value"); v != "5" {
		t.Errorf("1-1 selected %q", v)
	}

	res = d.postForm(cm, path, url.Values{"t-1-1": {"9"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid: %d", res.StatusCode)
	}
	c := d.login(d.officer)
	_, doc = d.page(c, path)
	if doc.Find("select").Length() != 0 || text(doc, "target-1-1") != "5" || testid(doc, "targets-readonly").Length() != 1 {
		t.Fatal("officer sees an editable form")
	}
	if res := d.postForm(c, path, url.Values{"t-1-1": {"2"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("officer POST: %d", res.StatusCode)
	}
	o := d.org2()
	if res, _ := d.get(d.login(o.mgr), path); res.StatusCode != http.StatusNotFound {
		t.Fatalf("outsider: %d", res.StatusCode)
	}
}
