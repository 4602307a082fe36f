package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"mamori/checklist"
	"mamori/internal/action"
	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// TestActionPages: recommendations become actions from the report, the
// list filters them, the action page closes one, and the planner projects.
func TestActionPages(t *testing.T) {
	x := newActionsEnv(t)
	ctx := context.Background()
	// 1-1 at 2 and 3-2 at 5; answer 2-1 at 1 too: two recommendations
	// below the default target, 1-1 and 2-1.
	l := 1
	if _, err := x.st.SaveAnswer(ctx, x.assessmentID, "2-1", assessment.AnswerValues{Level: &l}, store.Actor{UserID: x.officer.ID}); err != nil {
		t.Fatal(err)
	}
	c := x.login(x.officer)
	res, body := x.get(c, "/assessments/"+x.assessmentID+"/report")
	doc := parseDoc(t, body)
	if res.StatusCode != 200 || doc.Find(`[data-testid="recs-to-actions"]`).Length() != 1 || doc.Find(`[data-testid="rec-one-1-1"]`).Length() != 1 {
		t.Fatalf("report: %d, no recommendations form", res.StatusCode)
	}

	t.Run("SeveralRecommendationsAtOnce", func(t *testing.T) {
		res := x.postForm(c, "/orgs/"+x.a.ID+"/actions", url.Values{"from_report": {"1"}, "source_assessment_id": {x.assessmentID},
			"rec": {"1-1", "2-1"}, "owner_id": {x.owner.ID}, "due_on": {dateIn(30)}, "priority": {"high"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d", res.StatusCode)
		}
		as, _ := x.st.ListActions(ctx, store.ActionFilter{OrgIDs: []string{x.a.ID}})
		if len(as) != 2 {
			t.Fatalf("%d actions", len(as))
		}
		for _, a := range as {
			q := a.Questions[0]
			if q.PlannedLevel <= 2 || a.OwnerID != x.owner.ID || len(a.PointIDs) == 0 || !strings.HasPrefix(a.PointIDs[0], q.QuestionID+"-") ||
				a.SourceAssessmentID == nil || !strings.HasPrefix(a.Title, q.QuestionID+" ") {
				t.Errorf("action from a recommendation: %+v", a)
			}
		}
	})

	t.Run("ReportShowsThePlanAndPrintsItWhenAsked", func(t *testing.T) {
		_, body := x.get(c, "/assessments/"+x.assessmentID+"/report")
		doc := parseDoc(t, body)
		plan := doc.Find(`[data-testid="report-action-plan"]`)
		if plan.Find(`[data-testid="plan-row"]`).Length() != 2 || !plan.HasClass("no-print") || doc.Find(`[data-testid="report-whatif"]`).Length() != 1 {
			t.Fatalf("report plan: %d rows, no-print %v", plan.Find(`[data-testid="plan-row"]`).Length(), plan.HasClass("no-print"))
		}
		_, body = x.get(c, "/assessments/"+x.assessmentID+"/report?plan=1")
		if parseDoc(t, body).Find(`[data-testid="report-action-plan"]`).HasClass("no-print") {
			t.Fatal("?plan=1 leaves the plan out of the print")
		}
	})

	t.Run("OneClickOnOneRecommendation", func(t *testing.T) {
		res := x.postForm(c, "/orgs/"+x.a.ID+"/actions", url.Values{"from_report": {"1"}, "source_assessment_id": {x.assessmentID},
			"rec": {"1-1", "2-1"}, "only": {"2-1"}, "owner_id": {x.officer.ID}, "due_on": {dateIn(30)}, "priority": {"low"}})
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/actions/") {
			t.Fatalf("one click: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		mine, _ := x.st.ListActions(ctx, store.ActionFilter{OwnerID: x.officer.ID})
		if len(mine) != 1 || mine[0].Questions[0].QuestionID != "2-1" {
			t.Fatalf("one click made %+v", mine)
		}
	})

	t.Run("BadFormShowsTheFieldError", func(t *testing.T) {
		res := x.postForm(c, "/orgs/"+x.a.ID+"/actions", url.Values{"title": {"新規"}, "question_id": {"1-1"}, "planned_level": {"2"},
			"owner_id": {x.officer.ID}, "due_on": {dateIn(-2)}, "priority": {"low"}})
		body := readBody(t, res)
		doc := parseDoc(t, body)
		if res.StatusCode != 422 || doc.Find(`[data-testid="error-due_on"]`).Length() != 1 || doc.Find(`[data-testid="error-planned_level"]`).Length() != 1 {
			t.Fatalf("bad form: %d\n%.500s", res.StatusCode, body)
		}
	})

	t.Run("ListFiltersAndMyActions", func(t *testing.T) {
		count := func(c *http.Client, q string) int {
			_, body := x.get(c, "/actions"+q)
			return parseDoc(t, body).Find(`[data-testid^="action-row-"]`).Length()
		}
		if n := count(c, ""); n != 3 {
			t.Errorf("all: %d", n)
		}
		if n := count(c, "?category=2"); n != 2 {
			t.Errorf("category 2: %d", n)
		}
		if n := count(x.login(x.owner), "?owner=me"); n != 2 {
			t.Errorf("owner's actions: %d", n)
		}
		// Expected gains from the newest assessment: 1-1 from 2 to 3 is +1,
		// 2-1 from 1 to 3 is +2 (twice): sorted by gain, +2 +2 +1.
		_, sorted := x.get(c, "/actions?sort=gain")
		var gains []string
		parseDoc(t, sorted).Find(`[data-testid^="action-row-"] td:last-child`).Each(func(_ int, s *goquery.Selection) {
			gains = append(gains, strings.TrimSpace(s.Text()))
		})
		if strings.Join(gains, " ") != "+2 +2 +1" {
			t.Errorf("gains by gain: %v", gains)
		}
		if n := count(c, "?owner="+x.owner.ID); n != 2 {
			t.Errorf("owner filter: %d", n)
		}
		_, body := x.get(c, "/actions")
		if n := parseDoc(t, body).Find(`[data-testid="filter-owner"] option`).Length(); n != 4 { // any, me, the two owners
			t.Errorf("owner choices: %d", n)
		}
		if n := count(c, "?status=done"); n != 0 {
			t.Errorf("done: %d", n)
		}
		if n := count(x.login(x.officerB), ""); n != 0 {
			t.Errorf("B's officer sees %d of A's actions", n)
		}
	})

	t.Run("CloseFromThePage", func(t *testing.T) {
		mine, _ := x.st.ListActions(ctx, store.ActionFilter{OwnerID: x.officer.ID})
		id := mine[0].ID
		ev, err := x.st.CreateEvidence(ctx, store.NewEvidence{OrgID: x.a.ID, Title: "権限棚卸し記録", URL: "https://example.com/review",
			EffectiveDate: time.Now(), Actor: store.Actor{UserID: x.officer.ID}})
		if err != nil {
			t.Fatal(err)
		}
		// The close form offers the organisation's library.
		_, body := x.get(c, "/actions/"+id)
		if opt := parseDoc(t, body).Find(`[data-testid="status-evidence"] option[value="` + ev.ID + `"]`); opt.Length() != 1 {
			t.Fatalf("the library's item is not offered:\n%.800s", body)
		}
		res := x.postForm(c, "/actions/"+id+"/status", url.Values{"status": {"done"}, "note": {"アクセス権限の棚卸しを実施しました。"}})
		if doc := parseDoc(t, readBody(t, res)); res.StatusCode != 422 || doc.Find(`[data-testid="error-evidence_ids"]`).Length() != 1 {
			t.Fatalf("no evidence: %d", res.StatusCode)
		}
		res = x.postForm(c, "/actions/"+id+"/status", url.Values{"status": {"done"}, "evidence_ids": {ev.ID}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("close: %d", res.StatusCode)
		}
		_, body = x.get(c, "/actions/"+id)
		doc := parseDoc(t, body)
		if strings.TrimSpace(doc.Find(`[data-testid="action-status"]`).Text()) != "完了" || !strings.Contains(doc.Find(`[data-testid="closing-evidence"]`).Text(), "権限棚卸し記録") {
			t.Fatalf("closed action page:\n%.800s", body)
		}
		if a, _ := x.st.GetAction(ctx, id); a.Status != action.Done {
			t.Fatalf("status %s", a.Status)
		}
		// An officer is offered no risk acceptance.
		if doc.Find(`[data-testid="risk-reason"]`).Length() != 0 {
			t.Error("risk acceptance offered to an officer")
		}
	})

	t.Run("EditPageIsVersioned", func(t *testing.T) {
		as, _ := x.st.ListActions(ctx, store.ActionFilter{OwnerID: x.owner.ID})
		a := as[0]
		_, body := x.get(c, "/actions/"+a.ID+"/edit")
		if parseDoc(t, body).Find(`[data-testid="action-edit-form"]`).Length() != 1 {
			t.Fatal("no edit form")
		}
		v := url.Values{"title": {"変更後の件名"}, "description": {"説明"}, "owner_id": {x.owner.ID}, "due_on": {a.DueOn.Format("2006-01-02")},
			"priority": {"low"}, "version": {"1"}, "lv-" + a.Questions[0].QuestionID: {"4"}}
		if res := x.postForm(c, "/actions/"+a.ID+"/edit", v); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d", res.StatusCode)
		}
		v.Set("title", "古い版からの上書き")
		res := x.postForm(x.login(x.manager), "/actions/"+a.ID+"/edit", v)
		doc := parseDoc(t, readBody(t, res))
		if val, _ := doc.Find(`[data-testid="edit-title"]`).Attr("value"); res.StatusCode != http.StatusConflict || val != "変更後の件名" {
			t.Fatalf("stale save: %d, form shows %q", res.StatusCode, val)
		}
		if got, _ := x.st.GetAction(ctx, a.ID); got.Title != "変更後の件名" || got.Priority != action.Low || got.Questions[0].PlannedLevel != 4 {
			t.Fatalf("after the conflict: %+v", got)
		}
		v.Set("version", "2")
		v.Set("lv-"+a.Questions[0].QuestionID, "1")
		if res := x.postForm(c, "/actions/"+a.ID+"/edit", v); res.StatusCode != 422 {
			t.Fatalf("level below the current one: %d", res.StatusCode)
		}
		if res := x.postForm(x.login(x.auditor), "/actions/"+a.ID+"/edit", v); res.StatusCode != http.StatusForbidden {
			t.Fatalf("auditor: %d", res.StatusCode)
		}
	})

	t.Run("WhatIfPage", func(t *testing.T) {
		// Today 2 + 5 + 1 = 8; 1-1 → 4 and 2-1 → 3: 8 + 2 + 2 = 12.
		res, body := x.get(c, "/assessments/"+x.assessmentID+"/what-if?lv-1-1=4&lv-2-1=3")
		doc := parseDoc(t, body)
		if res.StatusCode != 200 || strings.TrimSpace(doc.Find(`[data-testid="projected-total"]`).Text()) != "12 / 135" ||
			strings.TrimSpace(doc.Find(`[data-testid="delta-total"]`).Text()) != "+4" || doc.Find(`[data-testid="whatif-submit"]`).Length() != 1 {
			t.Fatalf("what-if page: %d %q", res.StatusCode, doc.Find(`[data-testid="projected-total"]`).Text())
		}
		if doc.Find(`[data-testid="suggestion"]`).Length() == 0 {
			t.Error("no suggested order")
		}
		res, body = x.send(c, "GET", "/assessments/"+x.assessmentID+"/what-if?rec=1-1", nil, map[string]string{"HX-Request": "true"})
		if res.StatusCode != 200 || strings.Contains(body, "<html") || !strings.Contains(body, `id="whatif-results"`) {
			t.Fatalf("htmx fragment: %d %.200s", res.StatusCode, body)
		}
	})
}

// TestDashboardActions: the managers' dashboard shows, per organisation,
// its open and overdue actions and the projected total: the latest
// approved 81 (every question at 3) + 2 (1-1 to 5) + 1 (2-1 to 4; the
// done action on 3-1 counts nothing) = 84.
func TestDashboardActions(t *testing.T) {
	x := newActionsEnv(t)
	ctx := context.Background()
	approved := seedResult(t, x.st, x.a.ID, "approved", y25, 81, "GII", 10)
	for _, q := range checklist.Default().QuestionIDs() {
		if _, err := storetest.DB(t, x.st).Exec(ctx, `INSERT INTO answers (assessment_id, question_id, level) VALUES ($1, $2, 3)`, approved, q); err != nil {
			t.Fatal(err)
		}
	}
	mk := func(q string, lv int) string {
		b := x.validAction(map[string]any{"questions": []map[string]any{{"question_id": q, "planned_level": lv}}, "point_ids": nil, "source_assessment_id": nil})
		st, m := x.api(x.tok["manager"], "POST", "/api/v1/orgs/"+x.a.ID+"/actions", b)
		if st != 201 {
			t.Fatalf("create: %d %v", st, m)
		}
		return m["id"].(string)
	}
	mk("1-1", 5)
	late := mk("2-1", 4)
	done := mk("3-1", 5)
	if _, err := storetest.DB(t, x.st).Exec(ctx, `UPDATE actions SET due_on = current_date - 3 WHERE id = $1`, late); err != nil {
		t.Fatal(err)
	}
	ev, err := x.st.CreateEvidence(ctx, store.NewEvidence{OrgID: x.a.ID, Title: "手順書", URL: "https://example.com/procedure",
		EffectiveDate: time.Now(), Actor: store.Actor{UserID: x.owner.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if st, m := x.api(x.tok["owner"], "POST", "/api/v1/actions/"+done+"/status", map[string]any{"status": "done", "evidence_ids": []string{ev.ID}}); st != 200 {
		t.Fatalf("close: %d %v", st, m)
	}
	_, body := x.get(x.login(x.parent), "/dashboard")
	row := parseDoc(t, body).Find(`[data-testid="dashboard-row"][data-org="` + x.a.ID + `"]`)
	cell := strings.Join(strings.Fields(row.Find(`[data-testid="row-actions"]`).Text()), " ")
	if !strings.Contains(cell, "未完了 2 件") || !strings.Contains(cell, "期限切れ 1 件") || !strings.Contains(cell, "完了後の見込み 84 / 135") {
		t.Fatalf("actions cell %q", cell)
	}
	if href, _ := row.Find(`[data-testid="row-actions-link"]`).Attr("href"); href != "/actions?org="+x.a.ID {
		t.Errorf("drill-down link %q", href)
	}
	// The heat map, projected: category 1 (8 questions at 3) + 2 = 26 ÷ 8
	// = 3.25; category 2 (4 at 3) + 1 = 13 ÷ 4 = 3.25; the others stay 3.
	heat := func(q string) []string {
		_, body := x.get(x.login(x.parent), "/dashboard"+q)
		var out []string
		parseDoc(t, body).Find(`[data-testid="dashboard-row"][data-org="` + x.a.ID + `"] td.heat`).Each(func(_ int, s *goquery.Selection) {
			out = append(out, strings.Fields(s.Text())[0])
		})
		return out
	}
	if got := heat("?heat=projected"); strings.Join(got, " ") != "3.25 3.25 3.00 3.00 3.00" {
		t.Errorf("projected heat map %v", got)
	}
	if got := heat(""); strings.Join(got, " ") != "3.00 3.00 3.00 3.00 3.00" {
		t.Errorf("latest heat map %v", got)
	}
	// The drill-down lists the organisation's actions.
	_, body = x.get(x.login(x.parent), "/actions?org="+x.a.ID)
	if n := parseDoc(t, body).Find(`[data-testid^="action-row-"]`).Length(); n != 3 {
		t.Errorf("drill-down: %d actions", n)
	}
}

// TestActionsListPages: 50 actions a page, "page X of Y" with links that
// keep the filters and the order, for an administrator as for the
// organisation's officer; another organisation's actions stay out.
func TestActionsListPages(t *testing.T) {
	x := newActionsEnv(t)
	ctx := context.Background()
	var ns []store.NewAction
	for i := range 55 {
		ns = append(ns, store.NewAction{OrgID: x.a.ID, Title: fmt.Sprintf("対策 %02d", i), Questions: []action.Planned{{QuestionID: "1-1", PlannedLevel: 3}},
			OwnerID: x.owner.ID, DueOn: action.Today(time.Now()).AddDate(0, 1, i), Priority: action.Medium})
	}
	if _, err := x.st.CreateActions(ctx, x.a.ID, ns, store.Actor{UserID: x.officer.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := x.st.CreateActions(ctx, x.b.ID, []store.NewAction{{OrgID: x.b.ID, Title: "他社の対策", Questions: []action.Planned{{QuestionID: "1-1", PlannedLevel: 3}},
		OwnerID: x.officerB.ID, DueOn: action.Today(time.Now()), Priority: action.High}}, store.Actor{UserID: x.officerB.ID}); err != nil {
		t.Fatal(err)
	}
	admin := x.login(x.user(x.p.ID, assessment.Manager, true))
	for _, tt := range []struct {
		name   string
		c      *http.Client
		query  string
		first  string // the first row's title
		rows   int
		page   string
		next   string
		others bool // B's action listed
	}{
		{"OfficerFirstPage", x.login(x.officer), "?category=1&sort=priority", "対策 00", 50, "1 / 2 ページ", "/actions?category=1&page=2&sort=priority", false},
		{"OfficerSecondPage", x.login(x.officer), "?category=1&sort=priority&page=2", "対策 50", 5, "2 / 2 ページ", "", false},
		{"AdministratorEveryOrganisation", admin, "?sort=priority", "他社の対策", 50, "1 / 2 ページ", "/actions?page=2&sort=priority", true},
		{"AdministratorLastPage", admin, "?page=2", "対策 49", 6, "2 / 2 ページ", "", false},
		{"OneOrganisationFitsOnePage", admin, "?org=" + x.b.ID, "他社の対策", 1, "", "", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, body := x.get(tt.c, "/actions"+tt.query)
			doc := parseDoc(t, body)
			rows := doc.Find(`[data-testid^="action-row-"]`)
			first := strings.TrimSpace(rows.First().Find("td a").Text())
			next, _ := doc.Find(`[data-testid="actions-pager"] a[rel="next"]`).Attr("href")
			page := strings.TrimSpace(doc.Find(`[data-testid="actions-page"]`).Text())
			others := strings.Contains(doc.Find(`[data-testid="actions-table"]`).Text(), "他社の対策")
			if res.StatusCode != 200 || rows.Length() != tt.rows || first != tt.first || page != tt.page || next != tt.next || others != tt.others {
				t.Errorf("%d: %d rows from %q, %q, next %q, B's listed %v; want %d from %q, %q, next %q, %v",
					res.StatusCode, rows.Length(), first, page, next, others, tt.rows, tt.first, tt.page, tt.next, tt.others)
			}
		})
	}
}
