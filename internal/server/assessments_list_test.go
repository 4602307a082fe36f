package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// TestAssessmentListPages: the list reads a page at a time, returned ones
// first then newest first, for a manager over several organisations and for
// an administrator over all of them; the API's pages are linked by a Link
// header; nothing of an organisation the caller does not see appears.
func TestAssessmentListPages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	top := e.org("持株会社", nil)
	sub := e.org("子会社", &top.ID)
	other := e.org("無関係株式会社", nil)
	officer := e.user(sub.ID, assessment.Officer, false)
	create := func(orgID, title string) store.Assessment {
		t.Helper()
		a, err := e.st.CreateAssessment(ctx, store.NewAssessment{OrgID: orgID, Title: title, ChecklistID: checklist.Default().ID,
			Actor: store.Actor{UserID: officer.ID, Email: officer.Email}})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	for i := range 110 {
		org := top.ID
		if i%2 == 1 {
			org = sub.ID
		}
		create(org, fmt.Sprintf("評価 %03d", i))
	}
	create(other.ID, "他社の評価")
	manager := e.login(e.user(top.ID, assessment.Manager, false))
	admin := e.login(e.user(other.ID, assessment.Officer, true))

	rows := func(body string) int { return strings.Count(body, `data-testid="assessment-row"`) }
	res, body := e.get(manager, "/assessments")
	if res.StatusCode != http.StatusOK || rows(body) != 50 || !strings.Contains(body, "評価 109") || strings.Contains(body, "評価 059") {
		t.Fatalf("page 1: %d, %d rows; want the 50 newest", res.StatusCode, rows(body))
	}
	if !strings.Contains(body, `href="/assessments?page=2" rel="next"`) || strings.Contains(body, `rel="prev"`) {
		t.Error("page 1: want a link to page 2 and none back")
	}
	_, body = e.get(manager, "/assessments?page=3")
	if rows(body) != 10 || !strings.Contains(body, "評価 000") || strings.Contains(body, `rel="next"`) || strings.Contains(body, "他社の評価") {
		t.Errorf("page 3: %d rows; want the 10 oldest, no next page, nothing of another organisation", rows(body))
	}
	if _, body = e.get(admin, "/assessments"); !strings.Contains(body, "他社の評価") {
		t.Error("administrator, page 1: the newest, another organisation's, is missing")
	}
	if _, body = e.get(admin, "/assessments?page=3"); rows(body) != 11 {
		t.Errorf("administrator, page 3: %d rows; want 11", rows(body))
	}
	for _, bad := range []string{"0", "-4", "x", "99999999999"} {
		if res, _ := e.get(manager, "/assessments?page="+bad); res.StatusCode != http.StatusOK {
			t.Errorf("page %q: %d", bad, res.StatusCode)
		}
	}

	// A returned assessment comes first, whatever its age.
	first := create(sub.ID, "差し戻し対象")
	for _, step := range []struct{ from, to assessment.Status }{{assessment.Draft, assessment.Submitted}, {assessment.Submitted, assessment.Returned}} {
		if _, err := storetest.DB(t, e.st).Exec(ctx, `UPDATE assessments SET status = $2, created_at = created_at - interval '1 year' WHERE id = $1 AND status = $3`,
			first.ID, step.to, step.from); err != nil {
			t.Fatal(err)
		}
	}
	_, body = e.get(manager, "/assessments")
	if i, j := strings.Index(body, "差し戻し対象"), strings.Index(body, "評価 109"); i < 0 || i > j {
		t.Error("the returned assessment is not listed first")
	}

	// The API: 100 per page, linked.
	tok := e.token(e.user(top.ID, assessment.Manager, false))
	req, _ := http.NewRequest("GET", e.ts.URL+"/api/v1/assessments", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	r1, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, r1)
	if link := r1.Header.Get("Link"); link != `</api/v1/assessments?page=2>; rel="next"` {
		t.Errorf("API page 1 Link %q", link)
	}
	code, m := e.api(tok, "GET", "/api/v1/assessments?page=2", nil)
	if list, _ := m["assessments"].([]any); code != http.StatusOK || len(list) != 11 {
		t.Errorf("API page 2: %d, %d assessments; want 11", code, len(list))
	}
}
