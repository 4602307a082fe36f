package store_test

import (
	"context"
	"testing"

	"mamori/internal/assessment"
	"mamori/internal/store"
)

func TestDashboard(t *testing.T) {
	ctx := context.Background()
	p := newPeerDB(t)
	a := p.org("A社", "manufacturing", 500)
	old := p.result(a, "approved", y2024, 60, "GII", 30)
	latest := p.result(a, "approved", y2025, 95, "GII", 30)
	// The current cycle: a draft with three answers, newest.
	var draft string
	if err := p.st.PoolForTest().QueryRow(ctx, `INSERT INTO assessments (org_id, title, checklist_id) VALUES ($1, '2026年度', 'ipa-benchmark-4') RETURNING id`, a).Scan(&draft); err != nil {
		t.Fatal(err)
	}
	for i, q := range []string{"1-1", "1-2", "1-3"} {
		lv := i + 1
		if _, err := p.st.SaveAnswer(ctx, draft, q, assessment.AnswerValues{Level: &lv}, store.Actor{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.st.SaveAnswer(ctx, draft, "1-4", assessment.AnswerValues{Comment: "未回答だがコメントあり"}, store.Actor{}); err != nil {
		t.Fatal(err)
	}
	b := p.org("B社", "education", 0) // no profile, no assessment
	c := p.org("C社", "education", 0) // no profile; a result frozen as GIII
	p.result(c, "approved", y2025, 110, "GIII", 0)

	rows, err := p.st.Dashboard(ctx, store.OrgScope{OrgIDs: []string{a, b, c}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0].OrgName != "A社" || rows[1].OrgName != "B社" || rows[2].OrgName != "C社" {
		t.Fatalf("rows %+v", rows)
	}
	t.Run("LatestApprovedWithFrozenScores", func(t *testing.T) {
		l := rows[0].Latest
		if l == nil || l.AssessmentID != latest || l.TotalScore != 95 || l.CategoryAverages["3"] != 3.52 || l.CategoryTargets["3"] != 3 {
			t.Fatalf("latest %+v", l)
		}
		if !l.DecidedAt.Equal(y2025) {
			t.Errorf("decided %v", l.DecidedAt)
		}
	})
	t.Run("CurrentCycle", func(t *testing.T) {
		cur := rows[0].Current
		if cur == nil || cur.AssessmentID != draft || cur.Status != assessment.Draft || cur.Answered != 3 || cur.Title != "2026年度" {
			t.Fatalf("current %+v", cur)
		}
		if rows[1].Current != nil || rows[1].Latest != nil {
			t.Errorf("B社 has nothing: %+v", rows[1])
		}
		if cur := rows[2].Current; cur == nil || cur.Status != assessment.Approved {
			t.Errorf("C社's current cycle is its approved assessment: %+v", cur)
		}
	})
	t.Run("RiskGroup", func(t *testing.T) {
		// A: 500 employees (social impact high), nothing structural: GII by
		// its profile. B: nothing. C: no profile, so its frozen group.
		if g := rows[0].RiskGroup(); g != "GII" {
			t.Errorf("A: %q", g)
		}
		if g := rows[1].RiskGroup(); g != "" {
			t.Errorf("B: %q", g)
		}
		if g := rows[2].RiskGroup(); g != "GIII" {
			t.Errorf("C: %q", g)
		}
		if rows[1].Industry != "education" || rows[0].Profile == nil || rows[0].Profile.Employees != 500 {
			t.Errorf("industry/profile: %+v %+v", rows[1], rows[0].Profile)
		}
	})
	t.Run("Scope", func(t *testing.T) {
		some, err := p.st.Dashboard(ctx, store.OrgScope{OrgIDs: []string{c}})
		if err != nil || len(some) != 1 || some[0].OrgID != c {
			t.Fatalf("one org: %v %+v", err, some)
		}
		none, err := p.st.Dashboard(ctx, store.OrgScope{})
		if err != nil || len(none) != 0 {
			t.Fatalf("empty scope: %v %+v", err, none)
		}
		all, err := p.st.Dashboard(ctx, store.OrgScope{All: true})
		if err != nil || len(all) != 3 {
			t.Fatalf("all: %v %d", err, len(all))
		}
	})
	t.Run("ApprovedResultsOldestFirst", func(t *testing.T) {
		rs, err := p.st.ApprovedResults(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 2 || rs[0].AssessmentID != old || rs[1].AssessmentID != latest || rs[0].TotalScore != 60 {
			t.Fatalf("trend %+v", rs)
		}
	})
}
