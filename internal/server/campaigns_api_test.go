package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/xuri/excelize/v2"

	"mamori/internal/assessment"
)

// TestCampaigns: a head-office manager launches a campaign over the holding
// and a subsidiary; bad scope, past deadlines and duplicates are refused;
// the campaign shows each organisation's progress; closing freezes who was
// late.
func TestCampaigns(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	holding := e.org("ホールディングス", nil)
	sub := e.org("子会社", &holding.ID)
	other := e.org("無関係", nil)
	manager := e.user(holding.ID, assessment.Manager, false)
	subOfficer := e.user(sub.ID, assessment.Officer, false)
	subManager := e.user(sub.ID, assessment.Manager, false)
	tok, tSubOfficer, tSubManager := e.token(manager), e.token(subOfficer), e.token(subManager)
	deadline := time.Now().AddDate(0, 1, 0).Format(time.DateOnly)

	t.Run("BadInput", func(t *testing.T) {
		code, m := e.api(tok, "POST", "/api/v1/campaigns", map[string]any{"title": "調査", "deadline": deadline, "org_ids": []string{holding.ID, other.ID}})
		if code != 422 || !strings.Contains(m["error"].(map[string]any)["message"].(string), other.ID) {
			t.Fatalf("outside the subtree: %d %v", code, m)
		}
		if code, m := e.api(tok, "POST", "/api/v1/campaigns", map[string]any{"title": "調査", "deadline": "2020-01-01", "scope": "subtree"}); code != 422 {
			t.Fatalf("past deadline: %d %v", code, m)
		}
		if code, _ := e.api(tok, "POST", "/api/v1/campaigns", map[string]any{"title": "調査", "deadline": deadline, "scope": "subtree", "reminder_days": []int{0}}); code != 422 {
			t.Fatalf("reminder day 0: %d", code)
		}
		if code, _ := e.api(tSubOfficer, "POST", "/api/v1/campaigns", map[string]any{"title": "調査", "deadline": deadline, "scope": "subtree"}); code != http.StatusForbidden {
			t.Fatalf("officer launches: %d", code)
		}
		if code, m := e.api(tSubManager, "POST", "/api/v1/campaigns", map[string]any{"title": "調査", "deadline": deadline, "org_ids": []string{holding.ID}}); code != 422 {
			t.Fatalf("subsidiary manager over its parent: %d %v", code, m)
		}
	})

	var id string
	t.Run("LaunchAndProgress", func(t *testing.T) {
		code, m := e.api(tok, "POST", "/api/v1/campaigns", map[string]any{"title": "2026年度 実態調査", "deadline": deadline, "scope": "subtree", "prefill": true})
		if code != 201 || m["status"] != "open" || len(m["orgs"].([]any)) != 2 {
			t.Fatalf("launch: %d %v", code, m)
		}
		id = m["id"].(string)
		if code, _ := e.api(tok, "POST", "/api/v1/campaigns", map[string]any{"title": "2026年度 実態調査", "deadline": deadline, "scope": "subtree"}); code != http.StatusConflict {
			t.Fatalf("duplicate: %d", code)
		}
		var subAssessment string
		for _, o := range m["orgs"].([]any) {
			o := o.(map[string]any)
			if o["status"] != "not_started" || o["total"].(float64) != 27 {
				t.Fatalf("org: %v", o)
			}
			if o["org_id"] == sub.ID {
				subAssessment = o["assessment_id"].(string)
			}
		}
		// The subsidiary's officer was told, and answers one question.
		_, n := e.api(tSubOfficer, "GET", "/api/v1/notifications", nil)
		if ns := n["notifications"].([]any); len(ns) != 1 || ns[0].(map[string]any)["kind"] != "campaign_launched" {
			t.Fatalf("officer's notifications: %v", n)
		}
		if code, m := e.api(tSubOfficer, "PUT", "/api/v1/assessments/"+subAssessment+"/answers/1-1", map[string]any{"level": 4, "version": 0}); code != 200 {
			t.Fatalf("answer: %d %v", code, m)
		}
		_, m = e.api(tok, "GET", "/api/v1/campaigns/"+id, nil)
		for _, o := range m["orgs"].([]any) {
			o := o.(map[string]any)
			if o["org_id"] == sub.ID && (o["status"] != "in_progress" || o["answered"].(float64) != 1) {
				t.Fatalf("subsidiary: %v", o)
			}
		}
		// The campaign page and its export.
		c := e.login(manager)
		res, page := e.get(c, "/campaigns/"+id)
		if res.StatusCode != 200 || strings.Count(page, `data-testid="campaign-org"`) != 2 {
			t.Fatalf("campaign page: %d", res.StatusCode)
		}
		res, body := e.get(c, "/campaigns/"+id+"/export.xlsx")
		if res.StatusCode != 200 || !strings.HasPrefix(body, "PK") {
			t.Fatalf("export: %d", res.StatusCode)
		}
		// The dashboard's current cycle is the selected campaign's draft,
		// even when the subsidiary started a newer assessment.
		if code, m := e.api(tSubOfficer, "POST", "/api/v1/assessments", map[string]any{"title": "臨時の点検"}); code != 201 {
			t.Fatalf("newer assessment: %d %v", code, m)
		}
		_, page = e.get(c, "/dashboard")
		if !strings.Contains(page, "臨時の点検") {
			t.Fatal("dashboard without the newest assessment")
		}
		_, page = e.get(c, "/dashboard?campaign="+id)
		if strings.Contains(page, "臨時の点検") || !strings.Contains(page, `selected value="`+id+`"`) && !strings.Contains(page, `value="`+id+`" selected`) {
			t.Fatal("dashboard of the campaign shows another cycle, or does not show the campaign selected")
		}
		if res, _ := e.get(c, "/dashboard?campaign=00000000-0000-0000-0000-000000000000"); res.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown campaign: %d", res.StatusCode)
		}
		// The subsidiary's manager cannot open the holding's campaign.
		if code, _ := e.api(tSubManager, "GET", "/api/v1/campaigns/"+id, nil); code != http.StatusNotFound {
			t.Fatalf("subsidiary manager: %d", code)
		}
	})

	t.Run("CloseFreezesLate", func(t *testing.T) {
		if _, err := e.st.PlanReminders(ctx, time.Now().AddDate(0, 2, 0)); err != nil {
			t.Fatal(err)
		}
		code, m := e.api(tok, "POST", "/api/v1/campaigns/"+id+"/close", nil)
		if code != 200 || m["status"] != "closed" {
			t.Fatalf("close: %d %v", code, m)
		}
		for _, o := range m["orgs"].([]any) {
			if o.(map[string]any)["late"] != true {
				t.Fatalf("not frozen late: %v", o)
			}
		}
		if code, _ := e.api(tok, "POST", "/api/v1/campaigns/"+id+"/close", nil); code != http.StatusConflict {
			t.Fatalf("second close: %d", code)
		}
	})
}

// TestCampaignPaged: a campaign over 101 organisations answers its
// organisations a page at a time: the API 100 per page with a Link to the
// next, the page 50 per page with the counts over all of them, and the
// export every one.
func TestCampaignPaged(t *testing.T) {
	e := newEnv(t)
	hold := e.org("持株会社", nil)
	for i := range 100 {
		e.org(fmt.Sprintf("子会社 %03d", i), &hold.ID)
	}
	manager := e.user(hold.ID, assessment.Manager, false)
	tok := e.token(manager)
	deadline := time.Now().AddDate(0, 1, 0).Format(time.DateOnly)
	code, m := e.api(tok, "POST", "/api/v1/campaigns", map[string]any{"title": "全社調査", "deadline": deadline, "scope": "subtree"})
	if orgs, _ := m["orgs"].([]any); code != 201 || len(orgs) != 100 {
		t.Fatalf("launch: %d %v", code, m)
	}
	id := m["id"].(string)
	get := func(path string) (*http.Response, map[string]any) {
		t.Helper()
		res, body := e.send(http.DefaultClient, "GET", path, nil, map[string]string{"Authorization": "Bearer " + tok})
		var out map[string]any
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("%s: %d %q", path, res.StatusCode, body)
		}
		return res, out
	}
	res, first := get("/api/v1/campaigns/" + id)
	if want := `</api/v1/campaigns/` + id + `?page=2>; rel="next"`; res.Header.Get("Link") != want || len(first["orgs"].([]any)) != 100 {
		t.Fatalf("first page: Link %q, %d orgs", res.Header.Get("Link"), len(first["orgs"].([]any)))
	}
	res, second := get("/api/v1/campaigns/" + id + "?page=2")
	orgs := second["orgs"].([]any)
	if res.Header.Get("Link") != "" || len(orgs) != 1 || second["title"] != "全社調査" {
		t.Fatalf("second page: Link %q, %v", res.Header.Get("Link"), orgs)
	}
	seen := map[string]bool{}
	for _, o := range append(first["orgs"].([]any), orgs...) {
		seen[o.(map[string]any)["org_id"].(string)] = true
	}
	if len(seen) != 101 || !seen[hold.ID] {
		t.Fatalf("the two pages hold %d distinct organisations, want 101 with the holding", len(seen))
	}
	if _, past := get("/api/v1/campaigns/" + id + "?page=3"); past["orgs"] != nil {
		t.Fatalf("past the last page: %v", past["orgs"])
	}

	// The page: 50 organisations, three pages, the counts over 101.
	c := e.login(manager)
	_, page := e.get(c, "/campaigns/"+id)
	doc := parseDoc(t, page)
	if n := doc.Find(`[data-testid="campaign-org"]`).Length(); n != 50 {
		t.Fatalf("page 1: %d rows", n)
	}
	count := func(doc *goquery.Document, testid string) string {
		return strings.TrimSpace(doc.Find(`[data-testid="` + testid + `"]`).Text())
	}
	if count(doc, "count-orgs") != "101" || count(doc, "count-not_started") != "101" || count(doc, "count-submitted") != "0" || count(doc, "count-overdue") != "0" {
		t.Fatalf("counts: orgs %q, not started %q, submitted %q, overdue %q", count(doc, "count-orgs"), count(doc, "count-not_started"),
			count(doc, "count-submitted"), count(doc, "count-overdue"))
	}
	if href, _ := doc.Find(`[data-testid="campaign-pager"] a[rel="next"]`).Attr("href"); href != "/campaigns/"+id+"?page=2" {
		t.Fatalf("next page link %q", href)
	}
	_, page = e.get(c, "/campaigns/"+id+"?page=3")
	if n := parseDoc(t, page).Find(`[data-testid="campaign-org"]`).Length(); n != 1 {
		t.Fatalf("page 3: %d rows", n)
	}
	res, body := e.get(c, "/campaigns/"+id+"/export.xlsx")
	if res.StatusCode != 200 {
		t.Fatalf("export: %d", res.StatusCode)
	}
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("一斉調査")
	if len(rows) != 102 { // the header and every organisation
		t.Fatalf("export: %d rows, want 102", len(rows))
	}
}
