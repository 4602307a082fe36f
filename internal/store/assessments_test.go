package store_test

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"mamori/checklist"
	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

func TestSubmit(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	qids := checklist.Default().QuestionIDs()

	t.Run("IncompleteRefusedWithTheQuestionsInTheWay", func(t *testing.T) {
		a := f.assessment(t, "")
		three := 3
		if _, err := f.st.SaveAnswer(ctx, a.ID, qids[0], assessment.AnswerValues{Level: &three}, f.actor); err != nil {
			t.Fatal(err)
		}
		_, err := f.st.Submit(ctx, a.ID, assessment.Draft, f.actor)
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.Invalid || e.Key != "assessment.incomplete" {
			t.Fatalf("submit = %v, want Invalid assessment.incomplete", err)
		}
		want := map[string]any{"unanswered": qids[1:], "unconfirmed": []string{}}
		if !reflect.DeepEqual(e.Detail, want) {
			t.Fatalf("detail = %v", e.Detail)
		}
		// Nothing was written: still a draft, no result, no submission.
		if got, _ := f.st.GetAssessment(ctx, a.ID); got.Status != assessment.Draft {
			t.Fatalf("status = %s", got.Status)
		}
		if _, err := f.st.GetResult(ctx, a.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("result of a refused submission: %v", err)
		}
	})
	t.Run("CarriedOverMustBeConfirmed", func(t *testing.T) {
		prev := f.assessment(t, "")
		f.answerAll(t, prev.ID, func(int) int { return 2 })
		a := f.assessment(t, prev.ID)
		two := 2
		for _, q := range qids[1:] { // confirm all but the first
			cur, err := f.st.Answers(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.st.SaveAnswer(ctx, a.ID, q, assessment.AnswerValues{Level: &two, PointsMet: cur[q].PointsMet, Version: cur[q].Version}, f.actor); err != nil {
				t.Fatal(err)
			}
		}
		_, err := f.st.Submit(ctx, a.ID, assessment.Draft, f.actor)
		e, ok := apperr.As(err)
		want := map[string]any{"unanswered": []string{}, "unconfirmed": qids[:1]}
		if !ok || e.Code != apperr.Invalid || !reflect.DeepEqual(e.Detail, want) {
			t.Fatalf("submit = %v (detail %v), want the first question unconfirmed", err, e)
		}
	})
	t.Run("CompleteSubmittedWithItsResultFrozen", func(t *testing.T) {
		a := f.assessment(t, "")
		f.answerAll(t, a.ID, func(int) int { return 3 })
		got, err := f.st.Submit(ctx, a.ID, assessment.Draft, f.actor)
		if err != nil || got.Status != assessment.Submitted || got.SubmittedAt == nil {
			t.Fatalf("submit = %+v, %v", got, err)
		}
		if res, err := f.st.GetResult(ctx, a.ID); err != nil || res.Answered != len(qids) {
			t.Fatalf("result = %+v, %v", res, err)
		}
		if subs, err := f.st.Submissions(ctx, a.ID); err != nil || len(subs) != 1 || len(subs[0].Answers) != len(qids) {
			t.Fatalf("submissions = %d, %v", len(subs), err)
		}
		// A second submission from the status read before is stale.
		if _, err := f.st.Submit(ctx, a.ID, assessment.Draft, f.actor); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("stale submit = %v, want Conflict", err)
		}
	})
	t.Run("UnknownAssessment", func(t *testing.T) {
		if _, err := f.st.Submit(ctx, "00000000-0000-0000-0000-000000000000", assessment.Draft, f.actor); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("submit = %v, want NotFound", err)
		}
	})
}

// TestListAssessmentsSubtree: a manager's list and organisation picker read
// through the dashboard's scope rows hold the same pages as by ids, for a holding of a
// few organisations (sorted) and of 1,000 (walked), and nothing of the
// holding next door.
func TestListAssessmentsSubtree(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	db := storetest.DB(t, st)
	var small, big, other string
	for _, p := range []struct {
		id   *string
		name string
	}{{&small, "小持株"}, {&big, "大持株"}, {&other, "隣の持株"}} {
		if err := db.QueryRow(ctx, `INSERT INTO orgs (name) VALUES ($1) RETURNING id::text`, p.name).Scan(p.id); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		parent string
		n      int
	}{{small, 3}, {big, 1000}, {other, 5}} {
		if _, err := db.Exec(ctx, `
			WITH o AS (INSERT INTO orgs (name, parent_id) SELECT '子 ' || i, $1 FROM generate_series(1, $2) i RETURNING id)
			INSERT INTO assessments (org_id, title, checklist_id, status, created_at)
			SELECT o.id, '評価 ' || k, 'ipa-benchmark-4', CASE WHEN k = 2 AND random() < 0.1 THEN 'returned' ELSE 'draft' END,
				now() - random() * interval '300 days'
			FROM o, generate_series(1, 2) k`, c.parent, c.n); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.RebuildDashboard(ctx); err != nil {
		t.Fatal(err)
	}
	for _, top := range []string{small, big} {
		ids, err := st.OrgAndDescendants(ctx, top)
		if err != nil {
			t.Fatal(err)
		}
		for page := 1; page <= 3; page++ {
			byIDs, moreIDs, err := st.ListAssessmentsPage(ctx, store.Reach{OrgIDs: ids}, page, 7)
			if err != nil {
				t.Fatal(err)
			}
			bySub, moreSub, err := st.ListAssessmentsPage(ctx, store.Reach{OrgIDs: ids, Subtree: top}, page, 7)
			if err != nil {
				t.Fatal(err)
			}
			if len(bySub) == 0 || len(bySub) != len(byIDs) || moreSub != moreIDs {
				t.Fatalf("%d organisations, page %d: %d rows (more %v) by subtree, %d (more %v) by ids", len(ids), page, len(bySub), moreSub, len(byIDs), moreIDs)
			}
			for i := range bySub {
				if bySub[i].ID != byIDs[i].ID || !slices.Contains(ids, bySub[i].OrgID) {
					t.Fatalf("%d organisations, page %d row %d: %s by subtree, %s by ids", len(ids), page, i, bySub[i].ID, byIDs[i].ID)
				}
			}
			if len(ids) < 10 {
				break // 6 assessments: one page
			}
		}
		// The organisation picker too, with and without a search.
		for _, q := range []string{"", "子 1"} {
			byIDs, moreIDs, err := st.OrgChoices(ctx, store.Reach{OrgIDs: ids}, q, 50)
			if err != nil {
				t.Fatal(err)
			}
			bySub, moreSub, err := st.OrgChoices(ctx, store.Reach{OrgIDs: ids, Subtree: top}, q, 50)
			if err != nil {
				t.Fatal(err)
			}
			if len(bySub) == 0 || !slices.EqualFunc(bySub, byIDs, func(a, b store.Org) bool { return a.ID == b.ID }) || moreSub != moreIDs {
				t.Fatalf("%d organisations, picker %q: %d by subtree (more %v), %d by ids (more %v)", len(ids), q, len(bySub), moreSub, len(byIDs), moreIDs)
			}
		}
	}
}
