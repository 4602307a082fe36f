package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

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
