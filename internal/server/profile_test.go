package server_test

import (
	"context"
	"mamori/internal/assessment"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

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
