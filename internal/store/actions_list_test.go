package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"mamori/internal/action"
	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// TestListActionsPage: every filter, every order and the page boundary are
// done in SQL, with the number of actions the filters select.
func TestListActionsPage(t *testing.T) {
	ctx := context.Background()
	e := rvSetup(t)
	third, err := e.st.CreateOrg(ctx, "第三株式会社", nil, "other")
	if err != nil {
		t.Fatal(err)
	}
	aoki := rvUser(t, e.st, e.org.ID, assessment.Officer, "aoki@list.example")
	sato := rvUser(t, e.st, e.org.ID, assessment.Officer, "sato@list.example")
	other := rvUser(t, e.st, e.org2.ID, assessment.Officer, "other@list.example")
	// Org's newest assessment has 1-1 at 2: an action planning 1-1 at 4
	// gains 2; 3-2 is not answered, so planning it at 4 gains 4.
	a := e.draft(t, e.org.ID, "今年度")
	two := 2
	if _, err := e.st.SaveAnswer(ctx, a.ID, "1-1", assessment.AnswerValues{Level: &two}, e.officer); err != nil {
		t.Fatal(err)
	}
	today := day(t, "2026-11-29")
	type spec struct {
		title, org, owner, q string
		lv                   int
		due                  string
		pr                   action.Priority
	}
	specs := []spec{
		{"A1", e.org.ID, aoki.ID, "1-1", 4, "2026-11-20", action.Low},    // overdue, gain 2
		{"A2", e.org.ID, aoki.ID, "3-2", 4, "2026-12-10", action.Medium}, // due in 30, gain 4
		{"A3", e.org.ID, sato.ID, "1-1", 3, "2027-03-01", action.High},   // gain 1
		{"A4", e.org.ID, sato.ID, "3-2", 5, "2026-12-29", action.Low},    // due in 30 (the last day), gain 5
		{"A5", e.org.ID, aoki.ID, "2-1", 2, "2026-11-01", action.High},   // overdue, then done; gain 2
		{"B1", e.org2.ID, other.ID, "1-2", 3, "2026-12-01", action.Medium},
		{"B2", e.org2.ID, other.ID, "4-1", 1, "2027-01-15", action.High},
	}
	id := map[string]string{}
	for _, s := range specs {
		as, err := e.st.CreateActions(ctx, s.org, []store.NewAction{{OrgID: s.org, Title: s.title,
			Questions: []action.Planned{{QuestionID: s.q, PlannedLevel: s.lv}}, OwnerID: s.owner, DueOn: day(t, s.due), Priority: s.pr}}, e.officer)
		if err != nil {
			t.Fatal(err)
		}
		id[s.title] = as[0].ID
	}
	evidence, err := e.st.CreateEvidence(ctx, store.NewEvidence{OrgID: e.org.ID, Title: "記録", URL: "https://example.com/r",
		EffectiveDate: today, Actor: e.officer})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.ChangeActionStatus(ctx, id["A5"], store.ActionStatusChange{From: action.Open, To: action.Done,
		EvidenceIDs: []string{evidence.ID}}, e.officer); err != nil {
		t.Fatal(err)
	}
	orgA := store.Reach{OrgIDs: []string{e.org.ID}}
	both := store.Reach{OrgIDs: []string{e.org.ID, e.org2.ID, third.ID}}
	// A long list (a manager at the top of a group) walks the order's index
	// instead: the same answers.
	long := store.Reach{OrgIDs: append(fakeOrgIDs(1200), e.org.ID, e.org2.ID)}
	all := store.Reach{All: true}
	titles := func(p store.ActionPage) string {
		var out []string
		for _, a := range p.Actions {
			out = append(out, a.Title)
		}
		return strings.Join(out, " ")
	}
	for _, tt := range []struct {
		name  string
		scope store.Reach
		q     store.ActionQuery
		want  string
	}{
		{"ByDue", orgA, store.ActionQuery{}, "A5 A1 A2 A4 A3"},
		{"ByPriority", orgA, store.ActionQuery{Sort: store.SortByPriority}, "A5 A3 A2 A1 A4"},
		{"ByGain", orgA, store.ActionQuery{Sort: store.SortByGain}, "A4 A2 A5 A1 A3"},
		{"UnknownSortIsByDue", orgA, store.ActionQuery{Sort: "title"}, "A5 A1 A2 A4 A3"},
		{"EveryOrganisation", all, store.ActionQuery{}, "A5 A1 B1 A2 A4 B2 A3"},
		{"SeveralOrganisations", both, store.ActionQuery{Sort: store.SortByPriority}, "A5 B2 A3 B1 A2 A1 A4"},
		{"LongListByDue", long, store.ActionQuery{}, "A5 A1 B1 A2 A4 B2 A3"},
		{"LongListByPriority", long, store.ActionQuery{Sort: store.SortByPriority}, "A5 B2 A3 B1 A2 A1 A4"},
		{"LongListByGain", long, store.ActionQuery{Sort: store.SortByGain}, "A4 A2 B1 A5 A1 B2 A3"},
		{"AllByGain", all, store.ActionQuery{Sort: store.SortByGain}, "A4 A2 B1 A5 A1 B2 A3"},
		{"Owner", all, store.ActionQuery{OwnerID: sato.ID}, "A4 A3"},
		{"OwnerElsewhere", store.Reach{OrgIDs: []string{e.org2.ID}}, store.ActionQuery{OwnerID: sato.ID}, ""},
		{"Status", orgA, store.ActionQuery{Status: action.Done}, "A5"},
		{"Category", all, store.ActionQuery{CategoryID: "3"}, "A2 A4"},
		{"Overdue", all, store.ActionQuery{Overdue: true}, "A1"},
		{"DueIn30", all, store.ActionQuery{DueIn30: true}, "B1 A2 A4"},
		{"DueIn30LongList", long, store.ActionQuery{DueIn30: true, Sort: store.SortByGain}, "A4 A2 B1"},
		{"OtherOrganisationOnly", store.Reach{OrgIDs: []string{third.ID}}, store.ActionQuery{}, ""},
		{"NoOrganisations", store.Reach{}, store.ActionQuery{}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.Today, tt.q.Page, tt.q.Size = today, 1, 50
			p, err := e.st.ListActionsPage(ctx, tt.scope, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := titles(p); got != tt.want || p.Total != len(p.Actions) || p.Capped {
				t.Errorf("got %q (total %d, capped %v), want %q", got, p.Total, p.Capped, tt.want)
			}
		})
	}

	t.Run("GainsAsThePlanAndTheNewestAssessmentSay", func(t *testing.T) {
		p, err := e.st.ListActionsPage(ctx, orgA, store.ActionQuery{Today: today, Page: 1, Size: 50})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, a := range p.Actions {
			got[a.Title] = a.Gain
		}
		if want := map[string]int{"A1": 2, "A2": 4, "A3": 1, "A4": 5, "A5": 2}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("gains %v, want %v", got, want)
		}
	})

	t.Run("PageBoundaryAndCount", func(t *testing.T) {
		for _, tt := range []struct {
			page  int
			want  string
			total int
		}{
			{1, "A5 A1 B1", 7}, // a full page: counted
			{2, "A2 A4 B2", 7},
			{3, "A3", 7}, // the last page tells the number itself
			{4, "", 7},   // past the end: counted
		} {
			p, err := e.st.ListActionsPage(ctx, all, store.ActionQuery{Today: today, Page: tt.page, Size: 3})
			if err != nil {
				t.Fatal(err)
			}
			if got := titles(p); got != tt.want || p.Total != tt.total || p.Capped {
				t.Errorf("page %d: %q, total %d, capped %v; want %q, %d", tt.page, got, p.Total, p.Capped, tt.want, tt.total)
			}
		}
		// Filtered: the count is of what the filters select.
		p, err := e.st.ListActionsPage(ctx, all, store.ActionQuery{Today: today, Page: 1, Size: 2, Sort: store.SortByGain, DueIn30: true})
		if err != nil || titles(p) != "A4 A2" || p.Total != 3 {
			t.Errorf("filtered page: %q, total %d, %v", titles(p), p.Total, err)
		}
	})

	t.Run("CountStopsAtTheCap", func(t *testing.T) {
		db := storetest.DB(t, e.st)
		_, err := db.Exec(ctx, `INSERT INTO actions (org_id, title, questions, owner_id, due_on, priority)
			SELECT $1, 'bulk ' || g, '[{"question_id": "5-1", "planned_level": 3}]', $2, '2028-01-01'::date + g, 'low'
			FROM generate_series(1, $3::int) g`, third.ID, rvUser(t, e.st, third.ID, assessment.Officer, "bulk@list.example").ID,
			store.CountActionsUpTo)
		if err != nil {
			t.Fatal(err)
		}
		p, err := e.st.ListActionsPage(ctx, all, store.ActionQuery{Today: today, Page: 2, Size: 50})
		if err != nil || len(p.Actions) != 50 || p.Total != store.CountActionsUpTo || !p.Capped {
			t.Errorf("%d rows, total %d, capped %v, %v; want 50, %d, capped", len(p.Actions), p.Total, p.Capped, err, store.CountActionsUpTo)
		}
		p, err = e.st.ListActionsPage(ctx, orgA, store.ActionQuery{Today: today, Page: 1, Size: 2})
		if err != nil || p.Total != 5 || p.Capped {
			t.Errorf("one organisation among many: total %d, capped %v, %v", p.Total, p.Capped, err)
		}
		// The bulk actions were inserted without an assessment: they gain
		// their planned level.
		p, err = e.st.ListActionsPage(ctx, store.Reach{OrgIDs: []string{third.ID}}, store.ActionQuery{Today: today, Page: 1, Size: 1, Sort: store.SortByGain})
		if err != nil || len(p.Actions) != 1 || p.Actions[0].Gain != 3 {
			t.Errorf("bulk action: %+v %v", p.Actions, err)
		}
	})

	t.Run("OwnersFirstByName", func(t *testing.T) {
		names := func(os []store.ActionOwner) string {
			var out []string
			for _, o := range os {
				out = append(out, o.ID)
			}
			return strings.Join(out, " ")
		}
		// The display names are all "名前 officer": by name, then id.
		ids := []string{aoki.ID, sato.ID}
		slices.Sort(ids)
		got, err := e.st.ActionOwners(ctx, orgA, "", 50)
		if err != nil || names(got) != strings.Join(ids, " ") {
			t.Errorf("org's owners: %v %v", got, err)
		}
		got, err = e.st.ActionOwners(ctx, orgA, "", 1)
		if err != nil || names(got) != ids[0] {
			t.Errorf("first owner: %v %v", got, err)
		}
		// The chosen owner is offered even past the limit.
		got, err = e.st.ActionOwners(ctx, orgA, ids[1], 1)
		if err != nil || names(got) != strings.Join(ids, " ") {
			t.Errorf("first owner and the chosen one: %v %v", got, err)
		}
		// … but not someone who owns nothing in the scope.
		got, err = e.st.ActionOwners(ctx, store.Reach{OrgIDs: []string{e.org2.ID}}, aoki.ID, 50)
		if err != nil || names(got) != other.ID {
			t.Errorf("org2's owners: %v %v", got, err)
		}
		for _, scope := range []store.Reach{all, long} {
			got, err = e.st.ActionOwners(ctx, scope, "", 2)
			if err != nil || len(got) != 2 {
				t.Errorf("every organisation's first two: %v %v", got, err)
			}
		}
	})
}

// fakeOrgIDs are n ids of no organisation.
func fakeOrgIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1)
	}
	return out
}

// TestActionGainFollowsTheNewestAssessment: the gain kept on each action
// equals the gain the list used to compute per request (its planned levels
// over the answered levels of its organisation's newest assessment,
// store.NewestLevels) after every change that can move it.
func TestActionGainFollowsTheNewestAssessment(t *testing.T) {
	ctx := context.Background()
	e := rvSetup(t)
	owner := rvUser(t, e.st, e.org.ID, assessment.Officer, "gain@list.example")
	plan := func(title string, ps ...action.Planned) store.NewAction {
		return store.NewAction{OrgID: e.org.ID, Title: title, Questions: ps, OwnerID: owner.ID, DueOn: day(t, "2027-01-31"), Priority: action.Medium}
	}
	as, err := e.st.CreateActions(ctx, e.org.ID, []store.NewAction{
		plan("x", action.Planned{QuestionID: "1-1", PlannedLevel: 3}),
		plan("y", action.Planned{QuestionID: "1-1", PlannedLevel: 4}, action.Planned{QuestionID: "2-1", PlannedLevel: 2}),
	}, e.officer)
	if err != nil {
		t.Fatal(err)
	}
	// An action of another organisation, whose gain no change here moves.
	o2 := rvUser(t, e.st, e.org2.ID, assessment.Officer, "gain2@list.example")
	other, err := e.st.CreateActions(ctx, e.org2.ID, []store.NewAction{{OrgID: e.org2.ID, Title: "z",
		Questions: []action.Planned{{QuestionID: "1-1", PlannedLevel: 5}}, OwnerID: o2.ID, DueOn: day(t, "2027-01-31"), Priority: action.Low}}, e.officer)
	if err != nil {
		t.Fatal(err)
	}
	check := func(step string, want ...int) {
		t.Helper()
		newest, err := e.st.NewestLevels(ctx, []string{e.org.ID})
		if err != nil {
			t.Fatal(err)
		}
		for i, x := range as {
			a, err := e.st.GetAction(ctx, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			ref := 0
			for _, q := range a.Questions {
				ref += max(0, q.PlannedLevel-newest[e.org.ID][q.QuestionID])
			}
			if a.Gain != ref || a.Gain != want[i] {
				t.Errorf("%s: %s gains %d; the newest levels say %d, want %d", step, a.Title, a.Gain, ref, want[i])
			}
		}
		if z, _ := e.st.GetAction(ctx, other[0].ID); z.Gain != 5 {
			t.Errorf("%s: the other organisation's action gains %d, want 5", step, z.Gain)
		}
	}
	lv := func(n int) assessment.AnswerValues { return assessment.AnswerValues{Level: &n} }
	save := func(assessmentID, q string, v assessment.AnswerValues) {
		t.Helper()
		cur, err := e.st.Answers(ctx, assessmentID)
		if err != nil {
			t.Fatal(err)
		}
		v.Version = cur[q].Version
		if _, err := e.st.SaveAnswer(ctx, assessmentID, q, v, e.officer); err != nil {
			t.Fatal(err)
		}
	}
	check("no assessment yet", 3, 6)
	first := e.draft(t, e.org.ID, "初回")
	check("an assessment without answers", 3, 6)
	save(first.ID, "1-1", lv(2))
	check("1-1 at 2", 1, 4)
	save(first.ID, "1-2", lv(5)) // no action names 1-2
	check("1-2 answered", 1, 4)
	save(first.ID, "2-1", lv(3))
	check("2-1 at 3", 1, 2)
	save(first.ID, "1-1", lv(3))
	check("1-1 raised to 3", 0, 1)

	// A copy carries the levels over: the same gains.
	second, err := e.st.CreateAssessment(ctx, store.NewAssessment{OrgID: e.org.ID, Title: "次年度", ChecklistID: first.ChecklistID,
		CopyFrom: first.ID, Actor: e.officer})
	if err != nil {
		t.Fatal(err)
	}
	check("copied", 0, 1)
	save(second.ID, "1-1", lv(1))
	check("1-1 lowered in the copy", 2, 3)
	// The older assessment is not the newest any more: its saves move nothing.
	save(first.ID, "2-1", lv(1))
	check("older assessment saved", 2, 3)

	// A fresh assessment with no answers: every planned level counts.
	e.draft(t, e.org.ID, "白紙")
	check("fresh assessment", 3, 6)

	// The action's own plan.
	if _, err := e.st.UpdateAction(ctx, as[0].ID, store.ActionUpdate{Title: "x", Questions: []action.Planned{{QuestionID: "3-1", PlannedLevel: 5}},
		OwnerID: owner.ID, DueOn: as[0].DueOn, Priority: action.High, Version: 1}, e.officer); err != nil {
		t.Fatal(err)
	}
	check("plan edited", 5, 6)
}
