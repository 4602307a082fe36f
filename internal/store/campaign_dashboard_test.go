package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// campaignDashFixture is a holding with five organisations in a campaign
// (one of them a grandchild), one outside it, and the holding itself:
//
//	name      result (total, group, categories below 3)  campaign status   last change
//	Ａ支社    90, GI, none                               submitted         2nd newest
//	B支社     50, GII, all five (shortfall 500)          approved          oldest
//	C支社     —                                          draft             newest
//	D支社     70, GIII, one (shortfall 100)              returned          4th
//	F孫会社   —  (under Ａ支社)                          draft             3rd
//	E支社     100, GI (not in the campaign)
type campaignDashFixture struct {
	st                     *store.Store
	campaign               string
	root, a, b, c, d, e, f string
	campaignAssessmentOf   map[string]string
	nameOf                 map[string]string
}

func newCampaignDashFixture(t *testing.T) campaignDashFixture {
	t.Helper()
	ctx := context.Background()
	st := storetest.New(t)
	fx := campaignDashFixture{st: st, nameOf: map[string]string{}, campaignAssessmentOf: map[string]string{}}
	org := func(name string, parent *string) string {
		t.Helper()
		o, err := st.CreateOrg(ctx, name, parent, "manufacturing")
		if err != nil {
			t.Fatal(err)
		}
		fx.nameOf[o.ID] = name
		return o.ID
	}
	fx.root = org("持株会社", nil)
	fx.a, fx.b, fx.c, fx.d, fx.e = org("Ａ支社", &fx.root), org("B支社", &fx.root), org("C支社", &fx.root), org("D支社", &fx.root), org("E支社", &fx.root)
	fx.f = org("F孫会社", &fx.a)
	db := storetest.DB(t, st)
	result := func(orgID string, total int, group string, low int) {
		t.Helper()
		_, err := db.Exec(ctx, `
			WITH a AS (
				INSERT INTO assessments (org_id, title, checklist_id, status, created_at, updated_at, submitted_at, decided_at)
				VALUES ($1, '前年度', $5, 'approved', now() - interval '1 year', now() - interval '1 year', now() - interval '1 year', now() - interval '1 year')
				RETURNING id, org_id
			)
			INSERT INTO assessment_results (assessment_id, org_id, risk_group, risk_index, targets, total_score, total_average,
				total_target, category_averages, category_targets, answered)
			SELECT id, org_id, $3, 0, '{}', $2::int, round($2::int / 27.0, 2), 81,
				jsonb_build_object('1', CASE WHEN $4::int >= 1 THEN 2 ELSE 3 END, '2', CASE WHEN $4::int >= 2 THEN 2 ELSE 3 END,
					'3', CASE WHEN $4::int >= 3 THEN 2 ELSE 3 END, '4', CASE WHEN $4::int >= 4 THEN 2 ELSE 3 END, '5', CASE WHEN $4::int >= 5 THEN 2 ELSE 3 END),
				'{"1": 3, "2": 3, "3": 3, "4": 3, "5": 3}', 27
			FROM a`, orgID, total, group, low, checklist.DefaultID)
		if err != nil {
			t.Fatal(err)
		}
	}
	result(fx.a, 90, "GI", 0)
	result(fx.b, 50, "GII", 5)
	result(fx.d, 70, "GIII", 1)
	result(fx.e, 100, "GI", 0)
	c, err := st.LaunchCampaign(ctx, store.NewCampaign{OrgID: fx.root, Title: "2026年度 実態調査", ChecklistID: checklist.DefaultID,
		OrgIDs: []string{fx.a, fx.b, fx.c, fx.d, fx.f}, Deadline: time.Now().AddDate(0, 1, 0), ReminderDays: []int{}, Actor: store.Actor{Email: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	fx.campaign = c.ID
	// The campaign's assessments where the table above puts them.
	for org, x := range map[string]struct {
		status string
		ago    int // minutes
	}{fx.c: {"draft", 1}, fx.a: {"submitted", 2}, fx.f: {"draft", 3}, fx.d: {"returned", 4}, fx.b: {"approved", 5}} {
		err := db.QueryRow(ctx, `
			UPDATE assessments a SET status = $3, updated_at = now() - make_interval(mins => $4)
			FROM campaign_orgs co WHERE co.assessment_id = a.id AND co.campaign_id = $1 AND co.org_id = $2 RETURNING a.id::text`,
			c.ID, org, x.status, x.ago).Scan(new(string))
		if err != nil {
			t.Fatal(err)
		}
	}
	rows, err := db.Query(ctx, `SELECT org_id::text, assessment_id::text FROM campaign_orgs WHERE campaign_id = $1`, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var orgID, aid string
	for rows.Next() {
		if err := rows.Scan(&orgID, &aid); err != nil {
			t.Fatal(err)
		}
		fx.campaignAssessmentOf[orgID] = aid
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RebuildDashboard(ctx); err != nil { // the data above was written behind the store's back
		t.Fatal(err)
	}
	return fx
}

func (fx campaignDashFixture) names(rows []store.DashboardRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fx.nameOf[r.OrgID]
	}
	return out
}

// TestCampaignDashboardPage: a campaign's dashboard lists the campaign's
// organisations in the caller's scope (not the others), a page at a time,
// each with its assessment of the campaign as its current cycle, filtered
// and sorted as the dashboard offers, with the counts over every one of
// them whatever the page and filter.
func TestCampaignDashboardPage(t *testing.T) {
	ctx := context.Background()
	fx := newCampaignDashFixture(t)
	page := func(scope string, f store.DashboardFilter, pg, size int, want ...string) store.DashboardPage {
		t.Helper()
		out, err := fx.st.DashboardPage(ctx, store.DashboardPageQuery{Scope: scope, Campaign: fx.campaign, DashboardFilter: f,
			Page: pg, PageSize: size, TrendWant: want})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	t.Run("CountsAndCycle", func(t *testing.T) {
		pg := page(store.AllScope, store.DashboardFilter{}, 1, 50)
		want := store.DashboardCounts{Orgs: 5, WithResult: 3, BelowTarget: 2, SumTotal: 210,
			ByStatus: map[string]int{"draft": 2, "submitted": 1, "returned": 1, "approved": 1}}
		if c := pg.Counts; c.Orgs != want.Orgs || c.WithResult != want.WithResult || c.BelowTarget != want.BelowTarget ||
			c.SumTotal != want.SumTotal || len(c.ByStatus) != len(want.ByStatus) || c.ByStatus["draft"] != 2 ||
			c.ByStatus["submitted"] != 1 || c.ByStatus["returned"] != 1 || c.ByStatus["approved"] != 1 {
			t.Errorf("counts %+v, want %+v", c, want)
		}
		if pg.Matching != 5 || pg.Page != 1 {
			t.Errorf("matching %d, page %d", pg.Matching, pg.Page)
		}
		for _, r := range pg.Rows {
			if r.Current == nil || r.Current.AssessmentID != fx.campaignAssessmentOf[r.OrgID] {
				t.Errorf("%s: current cycle %+v, want the campaign's %s", fx.nameOf[r.OrgID], r.Current, fx.campaignAssessmentOf[r.OrgID])
			}
		}
	})

	t.Run("Sorts", func(t *testing.T) {
		for sort, want := range map[string][]string{
			"":          {"B支社", "C支社", "D支社", "F孫会社", "Ａ支社"}, // by name, byte order
			"name":      {"B支社", "C支社", "D支社", "F孫会社", "Ａ支社"},
			"total":     {"B支社", "D支社", "Ａ支社", "C支社", "F孫会社"}, // weakest first, no result last
			"shortfall": {"B支社", "D支社", "C支社", "F孫会社", "Ａ支社"}, // largest first, then by name
			"updated":   {"C支社", "Ａ支社", "F孫会社", "D支社", "B支社"}, // the campaign assessment's last change
		} {
			if got := fx.names(page(store.AllScope, store.DashboardFilter{Sort: sort}, 1, 50).Rows); !slices.Equal(got, want) {
				t.Errorf("sort %q: %v, want %v", sort, got, want)
			}
		}
	})

	t.Run("Filters", func(t *testing.T) {
		for _, c := range []struct {
			name string
			f    store.DashboardFilter
			want []string
		}{
			{"name, folded", store.DashboardFilter{Q: store.FoldName("a")}, []string{"Ａ支社"}},
			{"name, part", store.DashboardFilter{Q: store.FoldName("支社")}, []string{"B支社", "C支社", "D支社", "Ａ支社"}},
			{"group", store.DashboardFilter{Group: "GII"}, []string{"B支社"}},
			{"no group", store.DashboardFilter{Group: "none"}, []string{"C支社", "F孫会社"}},
			{"campaign status", store.DashboardFilter{Status: "draft"}, []string{"C支社", "F孫会社"}},
			{"campaign status approved", store.DashboardFilter{Status: "approved"}, []string{"B支社"}},
			{"no cycle: none in a campaign", store.DashboardFilter{Status: "none"}, []string{}},
			{"status and sort", store.DashboardFilter{Status: "draft", Sort: "updated"}, []string{"C支社", "F孫会社"}},
		} {
			pg := page(store.AllScope, c.f, 1, 50)
			if got := fx.names(pg.Rows); !slices.Equal(got, c.want) || pg.Matching != len(c.want) || pg.Counts.Orgs != 5 {
				t.Errorf("%s: %v (matching %d of %d), want %v", c.name, got, pg.Matching, pg.Counts.Orgs, c.want)
			}
		}
	})

	t.Run("PageBoundary", func(t *testing.T) {
		for _, c := range []struct {
			page, wantPage int
			want           []string
		}{{1, 1, []string{"B支社", "C支社"}}, {2, 2, []string{"D支社", "F孫会社"}}, {3, 3, []string{"Ａ支社"}}, {9, 3, []string{"Ａ支社"}}, {0, 1, []string{"B支社", "C支社"}}} {
			pg := page(store.AllScope, store.DashboardFilter{}, c.page, 2)
			if got := fx.names(pg.Rows); pg.Page != c.wantPage || !slices.Equal(got, c.want) {
				t.Errorf("page %d of 2 rows: page %d %v, want page %d %v", c.page, pg.Page, got, c.wantPage, c.want)
			}
		}
	})

	t.Run("Scope", func(t *testing.T) {
		// A manager of Ａ支社 sees the campaign's organisations of its subtree.
		pg := page(fx.a, store.DashboardFilter{}, 1, 50)
		if got := fx.names(pg.Rows); !slices.Equal(got, []string{"F孫会社", "Ａ支社"}) || pg.Counts.Orgs != 2 || pg.Counts.WithResult != 1 {
			t.Errorf("subtree of Ａ支社: %v, counts %+v", got, pg.Counts)
		}
		// An organisation's own scope outside the campaign: nothing listed,
		// its own trend still drawn.
		if pg := page(fx.e, store.DashboardFilter{}, 1, 50, fx.e); len(pg.Rows) != 0 || pg.Counts.Orgs != 0 || pg.Trend == nil || pg.Trend.OrgID != fx.e {
			t.Errorf("E支社's scope: %v, counts %+v, trend %v", fx.names(pg.Rows), pg.Counts, pg.Trend)
		}
	})

	t.Run("Trend", func(t *testing.T) {
		for _, c := range []struct {
			name  string
			scope string
			f     store.DashboardFilter
			want  []string
			trend string
		}{
			// The one asked for, in scope with a result, even outside the campaign.
			{"asked for", store.AllScope, store.DashboardFilter{}, []string{fx.e, fx.a}, fx.e},
			// Without a result: the next wanted, else the first listed with one.
			{"own", store.AllScope, store.DashboardFilter{}, []string{fx.c, fx.d}, fx.d},
			{"first listed", store.AllScope, store.DashboardFilter{}, []string{fx.c}, fx.b},
			{"first listed in the order", store.AllScope, store.DashboardFilter{Sort: "updated"}, nil, fx.a},
			{"none listed with one", store.AllScope, store.DashboardFilter{Status: "draft"}, nil, ""},
			// Outside the scope: never.
			{"out of scope", fx.a, store.DashboardFilter{}, []string{fx.b}, fx.a},
		} {
			pg := page(c.scope, c.f, 1, 50, c.want...)
			got := ""
			if pg.Trend != nil {
				got = pg.Trend.OrgID
			}
			if got != c.trend {
				t.Errorf("%s: trend %q (%s), want %q (%s)", c.name, got, fx.nameOf[got], c.trend, fx.nameOf[c.trend])
			}
		}
	})

	t.Run("Each", func(t *testing.T) {
		var got []string
		err := fx.st.DashboardEach(ctx, store.AllScope, fx.campaign, store.DashboardFilter{Sort: "total", Group: "none"}, func(r store.DashboardRow) error {
			if r.Current == nil || r.Current.AssessmentID != fx.campaignAssessmentOf[r.OrgID] {
				t.Errorf("%s: not the campaign's cycle", fx.nameOf[r.OrgID])
			}
			got = append(got, fx.nameOf[r.OrgID])
			return nil
		})
		if err != nil || !slices.Equal(got, []string{"C支社", "F孫会社"}) {
			t.Fatalf("each: %v, %v", got, err)
		}
		got = nil
		err = fx.st.DashboardEach(ctx, store.AllScope, fx.campaign, store.DashboardFilter{Sort: "updated"}, func(r store.DashboardRow) error {
			got = append(got, fx.nameOf[r.OrgID])
			return nil
		})
		if err != nil || !slices.Equal(got, []string{"C支社", "Ａ支社", "F孫会社", "D支社", "B支社"}) {
			t.Fatalf("each by last change: %v, %v", got, err)
		}
	})
}

// TestCampaignOrgsPage: the campaign page's counts by state over every
// organisation of the campaign, its pages by name (a page past the last
// reads the last), the cursor of the export in the same order, and the
// late ones counted once the campaign closes.
func TestCampaignOrgsPage(t *testing.T) {
	ctx := context.Background()
	fx := newCampaignDashFixture(t)
	// F孫会社 answers a question: in progress; C支社 has not: not started.
	one := 3
	if _, err := fx.st.SaveAnswer(ctx, fx.campaignAssessmentOf[fx.f], "1-1", assessment.AnswerValues{Level: &one}, store.Actor{Email: "test"}); err != nil {
		t.Fatal(err)
	}
	var each []string
	err := fx.st.CampaignOrgsEach(ctx, fx.campaign, func(o store.CampaignOrg) error {
		if o.AssessmentID != fx.campaignAssessmentOf[o.OrgID] || o.OrgName != fx.nameOf[o.OrgID] {
			t.Errorf("each: %+v", o)
		}
		each = append(each, o.OrgName)
		return nil
	})
	if err != nil || len(each) != 5 || slices.Contains(each, "E支社") || slices.Contains(each, "持株会社") {
		t.Fatalf("each: %v, %v", each, err)
	}
	var paged []string
	for _, c := range []struct{ ask, page, rows int }{{1, 1, 2}, {2, 2, 2}, {3, 3, 1}} {
		pg, err := fx.st.CampaignOrgsPage(ctx, fx.campaign, c.ask, 2)
		if err != nil {
			t.Fatal(err)
		}
		if pg.Page != c.page || pg.Pages != 3 || len(pg.Rows) != c.rows {
			t.Fatalf("page %d: page %d of %d, %d rows", c.ask, pg.Page, pg.Pages, len(pg.Rows))
		}
		want := store.CampaignCounts{Orgs: 5, NotStarted: 1, InProgress: 1, Submitted: 1, Returned: 1, Approved: 1, NotDone: 3}
		if pg.Counts != want {
			t.Fatalf("counts %+v, want %+v", pg.Counts, want)
		}
		for _, o := range pg.Rows {
			paged = append(paged, o.OrgName)
			if o.OrgID == fx.f && o.Answered != 1 {
				t.Errorf("F孫会社 answered %d, want 1", o.Answered)
			}
		}
	}
	if !slices.Equal(paged, each) {
		t.Fatalf("pages %v, cursor %v: not the same order", paged, each)
	}
	if pg, err := fx.st.CampaignOrgsPage(ctx, fx.campaign, 9, 2); err != nil || pg.Page != 3 || len(pg.Rows) != 1 || pg.Rows[0].OrgName != each[4] {
		t.Fatalf("past the last page: %+v, %v", pg, err)
	}
	// F孫会社 answers the rest and submits through the store: the status
	// kept on campaign_orgs follows, for the counts and the dashboard.
	by := store.Actor{Email: "test"}
	for _, q := range checklist.Default().QuestionIDs()[1:] {
		if _, err := fx.st.SaveAnswer(ctx, fx.campaignAssessmentOf[fx.f], q, assessment.AnswerValues{Level: &one}, by); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := fx.st.Submit(ctx, fx.campaignAssessmentOf[fx.f], assessment.Draft, by); err != nil {
		t.Fatal(err)
	}
	want := store.CampaignCounts{Orgs: 5, NotStarted: 1, Submitted: 2, Returned: 1, Approved: 1, NotDone: 2}
	if pg, err := fx.st.CampaignOrgsPage(ctx, fx.campaign, 1, 50); err != nil || pg.Counts != want {
		t.Fatalf("after a submission: %+v, want %+v, %v", pg.Counts, want, err)
	}
	dash, err := fx.st.DashboardPage(ctx, store.DashboardPageQuery{Scope: store.AllScope, Campaign: fx.campaign, Page: 1, PageSize: 50,
		DashboardFilter: store.DashboardFilter{Status: "submitted"}})
	if got := fx.names(dash.Rows); err != nil || !slices.Equal(got, []string{"F孫会社", "Ａ支社"}) || dash.Counts.ByStatus["submitted"] != 2 {
		t.Fatalf("dashboard, submitted: %v %+v, %v", got, dash.Counts, err)
	}
	if _, err := fx.st.CloseCampaign(ctx, fx.campaign, by); err != nil {
		t.Fatal(err)
	}
	// Not handed in: C支社 (draft) and D支社 (returned); F孫会社 submitted in time.
	if pg, err := fx.st.CampaignOrgsPage(ctx, fx.campaign, 1, 50); err != nil || pg.Counts.Late != 2 {
		t.Fatalf("after closing: %+v, %v", pg.Counts, err)
	}
}
