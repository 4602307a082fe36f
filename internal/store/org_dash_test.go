package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/score"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// dashSnapshot is the dashboard's maintained tables as text: every row of
// org_dash, and every shard of org_dash_rollup that counts anything.
func dashSnapshot(t *testing.T, st *store.Store) string {
	t.Helper()
	rows, err := storetest.DB(t, st).Query(context.Background(), `
		SELECT format('%s %s %s|%s|%s|%s|%s|%s|%s|%s', org_id, scope_id, name, name_folded, risk_group, latest_id, total_key,
			shortfall, cycle_id, cycle_status)
		FROM org_dash
		UNION ALL
		SELECT format('recent %s %s %s|%s|%s', org_id, scope_id, name, cycle_id, cycle_updated_at) FROM org_dash_recent
		UNION ALL
		SELECT format('rollup %s %s: %s %s %s %s %s %s %s %s %s', scope_id, shard, orgs, st_none, st_draft, st_submitted,
			st_returned, st_approved, with_result, below_target, sum_total)
		FROM org_dash_rollup WHERE (orgs, st_none, st_draft, st_submitted, st_returned, st_approved, with_result, below_target, sum_total)
			<> (0, 0, 0, 0, 0, 0, 0, 0, 0)
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// TestDashboardMaintained makes every kind of change the dashboard lists,
// and after each compares the maintained summaries and counts with a
// rebuild from scratch: a write path that forgets refreshOrgDash fails it.
func TestDashboardMaintained(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	check := func(step string) {
		t.Helper()
		kept := dashSnapshot(t, st)
		if _, err := st.RebuildDashboard(ctx); err != nil {
			t.Fatal(err)
		}
		if rebuilt := dashSnapshot(t, st); kept != rebuilt {
			t.Fatalf("after %s the maintained dashboard differs from a rebuild:\nkept:\n%s\nrebuilt:\n%s", step, kept, rebuilt)
		}
	}
	org := func(name string, parent *string) store.Org {
		t.Helper()
		o, err := st.CreateOrg(ctx, name, parent, "manufacturing")
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	root := org("本社", nil)
	a := org("子会社Ａ", &root.ID)
	b := org("孫会社Ｂ", &a.ID)
	c := org("別会社Ｃ", nil)
	check("creating organisations")

	off, err := st.CreateUser(ctx, store.NewUser{Email: "officer@dash.example", Name: "担当", PasswordHash: "x", Role: assessment.Officer, OrgID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	officer := store.Actor{UserID: off.ID, Email: off.Email}
	auditor := store.Actor{Email: "auditor@dash.example"}
	draft := func(orgID string) store.Assessment {
		t.Helper()
		x, err := st.CreateAssessment(ctx, store.NewAssessment{OrgID: orgID, Title: "評価", ChecklistID: checklist.DefaultID, Actor: officer})
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	answerAll := func(id string, level, version int) {
		t.Helper()
		for _, q := range checklist.Default().QuestionIDs() {
			lv := level
			if _, err := st.SaveAnswer(ctx, id, q, assessment.AnswerValues{Level: &lv, Version: version}, officer); err != nil {
				t.Fatal(err)
			}
		}
	}
	decide := func(x store.Assessment, action assessment.Action, to assessment.Status) store.Assessment {
		t.Helper()
		out, err := st.Decide(ctx, store.StatusChange{AssessmentID: x.ID, From: x.Status, To: to, Action: action, Actor: auditor, Comment: "確認"})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	submit := func(x store.Assessment) store.Assessment {
		t.Helper()
		out, err := st.Submit(ctx, x.ID, x.Status, officer)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	x := draft(a.ID)
	check("creating an assessment")
	answerAll(x.ID, 2, 0)
	check("answering")
	x = submit(x)
	check("submitting")
	x = decide(x, assessment.Return, assessment.Returned)
	check("returning")
	answerAll(x.ID, 3, 1)
	x = submit(x)
	x = decide(x, assessment.Approve, assessment.Approved)
	check("approving")
	x = decide(x, assessment.Reopen, assessment.Returned)
	check("reopening")
	x = submit(x)
	x = decide(x, assessment.Approve, assessment.Approved)
	if err := st.BackdateDecision(ctx, x.ID, time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	check("backdating")
	y := draft(a.ID)
	answerAll(y.ID, 4, 0)
	check("a new cycle")
	if _, _, err := st.SaveProfile(ctx, a.ID, score.Profile{Industry: "finance_insurance", Employees: 500, ITDependence: 5, OnlineServices: true}, nil, officer); err != nil {
		t.Fatal(err)
	}
	check("a profile")
	if _, err := st.UpdateOrg(ctx, b.ID, "孫会社Ｂ（改称）", &a.ID, "manufacturing"); err != nil {
		t.Fatal(err)
	}
	check("renaming")
	if _, err := st.UpdateOrg(ctx, a.ID, a.Name, &c.ID, "manufacturing"); err != nil {
		t.Fatal(err)
	}
	check("moving a subtree")
	if _, err := st.UpdateOrg(ctx, a.ID, a.Name, nil, "manufacturing"); err != nil {
		t.Fatal(err)
	}
	check("moving to the top")
	if _, err := st.LaunchCampaign(ctx, store.NewCampaign{OrgID: root.ID, Title: "2026年度", ChecklistID: checklist.DefaultID,
		OrgIDs: []string{b.ID, c.ID}, Deadline: time.Now().AddDate(0, 1, 0), ReminderDays: []int{}, Actor: officer}); err != nil {
		t.Fatal(err)
	}
	check("launching a campaign")

	// The counts the dashboard reads: every organisation, and a subtree.
	pg, err := st.DashboardPage(ctx, store.DashboardPageQuery{Scope: store.AllScope, Page: 1, PageSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	if pg.Counts.Orgs != 4 || pg.Counts.WithResult != 1 || pg.Counts.ByStatus["draft"] != 3 || pg.Counts.ByStatus["none"] != 1 || len(pg.Rows) != 4 {
		t.Errorf("all: counts %+v, %d rows", pg.Counts, len(pg.Rows))
	}
	pg, err = st.DashboardPage(ctx, store.DashboardPageQuery{Scope: a.ID, Page: 1, PageSize: 1, DashboardFilter: store.DashboardFilter{Sort: "total"}})
	if err != nil {
		t.Fatal(err)
	}
	if pg.Counts.Orgs != 2 || pg.Matching != 2 || len(pg.Rows) != 1 || pg.Rows[0].OrgID != a.ID || pg.Counts.SumTotal != 81 {
		t.Errorf("subtree of A: counts %+v, matching %d, rows %+v", pg.Counts, pg.Matching, pg.Rows)
	}
}

// TestEnsureDashboard builds the summaries of organisations that existed
// before them (as after the migration) once, and only once.
func TestEnsureDashboard(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	o, err := st.CreateOrg(ctx, "既存株式会社", nil, "other")
	if err != nil {
		t.Fatal(err)
	}
	// As after the migration: data, no summaries, never built.
	if _, err := storetest.DB(t, st).Exec(ctx, `DELETE FROM org_dash; DELETE FROM org_dash_rollup`); err != nil {
		t.Fatal(err)
	}
	if built, err := st.EnsureDashboard(ctx); err != nil || !built {
		t.Fatalf("first: built %v, %v", built, err)
	}
	pg, err := st.DashboardPage(ctx, store.DashboardPageQuery{Scope: o.ID, Page: 1, PageSize: 50})
	if err != nil || pg.Counts.Orgs != 1 || len(pg.Rows) != 1 || pg.Rows[0].OrgID != o.ID {
		t.Fatalf("after building: %+v, %v", pg, err)
	}
	if built, err := st.EnsureDashboard(ctx); err != nil || built {
		t.Fatalf("second: built %v, %v", built, err)
	}
}

// TestDashboardConcurrentChanges changes one organisation from many
// transactions at once, and its siblings: the counts still equal a rebuild
// (each refresh adds its difference against what the last one stored).
func TestDashboardConcurrentChanges(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	root, err := st.CreateOrg(ctx, "本社", nil, "other")
	if err != nil {
		t.Fatal(err)
	}
	var orgs []string
	for _, name := range []string{"子会社一", "子会社二"} {
		o, err := st.CreateOrg(ctx, name, &root.ID, "other")
		if err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, o.ID)
	}
	errs := make(chan error, 16)
	for i := range 16 {
		go func() {
			a, err := st.CreateAssessment(ctx, store.NewAssessment{OrgID: orgs[i%2], Title: "評価", ChecklistID: checklist.DefaultID, Actor: store.Actor{Email: "test"}})
			if err == nil {
				_, err = st.ChangeStatus(ctx, store.StatusChange{AssessmentID: a.ID, From: assessment.Draft, To: assessment.Submitted,
					Action: assessment.Submit, Actor: store.Actor{Email: "test"}})
			}
			errs <- err
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	kept := dashSnapshot(t, st)
	if _, err := st.RebuildDashboard(ctx); err != nil {
		t.Fatal(err)
	}
	if rebuilt := dashSnapshot(t, st); kept != rebuilt {
		t.Fatalf("kept:\n%s\nrebuilt:\n%s", kept, rebuilt)
	}
	pg, err := st.DashboardPage(ctx, store.DashboardPageQuery{Scope: root.ID, Page: 1, PageSize: 50})
	if err != nil || pg.Counts.Orgs != 3 || pg.Counts.ByStatus["submitted"] != 2 || pg.Counts.ByStatus["none"] != 1 {
		t.Fatalf("counts %+v, %v", pg.Counts, err)
	}
}
