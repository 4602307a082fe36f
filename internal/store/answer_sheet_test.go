package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"mamori/checklist"
	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/store"
)

// TestAssessmentSheet: the one statement of the category page reads what
// the separate reads do, the editor's parts only for the editor's
// organisation while the assessment is editable, and an unknown id is
// NotFound.
func TestAssessmentSheet(t *testing.T) {
	ctx := context.Background()
	e := rvSetup(t)
	day := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	review := day.AddDate(1, 0, 0)
	link, err := e.st.CreateEvidence(ctx, store.NewEvidence{OrgID: e.org.ID, Title: "鍵管理手順", URL: "https://wiki.example.jp/keys",
		EffectiveDate: day, ReviewBy: &review, Actor: e.officer})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.CreateEvidence(ctx, store.NewEvidence{OrgID: e.org.ID, Title: "未使用", URL: "https://wiki.example.jp/x",
		EffectiveDate: day, Actor: e.officer}); err != nil {
		t.Fatal(err)
	}
	first := e.draft(t, e.org.ID, "2025年度")
	lv := 3
	if _, err := e.st.SaveAnswer(ctx, first.ID, "1-1", assessment.AnswerValues{Level: &lv, Comment: "前回"}, e.officer); err != nil {
		t.Fatal(err)
	}
	a, err := e.st.CreateAssessment(ctx, store.NewAssessment{OrgID: e.org.ID, Title: "2026年度", ChecklistID: checklist.Default().ID, CopyFrom: first.ID, Actor: e.officer})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.LinkEvidence(ctx, a.ID, "3-6", link.ID, []string{"3-6-1"}, e.officer); err != nil {
		t.Fatal(err)
	}

	got, sheet, err := e.st.AssessmentSheet(ctx, a.ID, store.SheetOptions{Review: true, EditorOrgID: e.org.ID})
	if err != nil {
		t.Fatal(err)
	}
	utc := cmp.Transformer("utc", func(t time.Time) time.Time { return t.UTC() })
	wantA, _ := e.st.GetAssessment(ctx, a.ID)
	if d := cmp.Diff(wantA, got, utc); d != "" {
		t.Errorf("assessment (-separate +sheet):\n%s", d)
	}
	wantAnswers, _ := e.st.Answers(ctx, a.ID)
	if d := cmp.Diff(wantAnswers, sheet.Answers, utc); d != "" {
		t.Errorf("answers (-separate +sheet):\n%s", d)
	}
	wantLinks, _ := e.st.AnswerEvidence(ctx, a.ID)
	if d := cmp.Diff(wantLinks, sheet.Evidence, utc); d != "" || len(sheet.Evidence["3-6"]) != 1 {
		t.Errorf("evidence links (-separate +sheet):\n%s", d)
	}
	wantLib, _ := e.st.ListEvidence(ctx, e.org.ID, store.EvidenceFilter{})
	if d := cmp.Diff(wantLib, sheet.Library, utc); d != "" || len(sheet.Library) != 2 {
		t.Errorf("library (-separate +sheet):\n%s", d)
	}
	wantPrev, _ := e.st.Answers(ctx, first.ID)
	if d := cmp.Diff(wantPrev, sheet.Previous, utc); d != "" || sheet.Previous["1-1"].Comment != "前回" {
		t.Errorf("previous answers (-separate +sheet):\n%s", d)
	}

	t.Run("NoEditorPartsForOthers", func(t *testing.T) {
		for _, org := range []string{"", e.org2.ID} {
			_, sh, err := e.st.AssessmentSheet(ctx, a.ID, store.SheetOptions{Review: true, EditorOrgID: org})
			if err != nil || sh.Library != nil || sh.Previous != nil || len(sh.Evidence["3-6"]) != 1 {
				t.Errorf("editor %q: library %v, previous %v, links %d, %v", org, sh.Library, sh.Previous, len(sh.Evidence["3-6"]), err)
			}
		}
	})
	t.Run("NoEditorPartsOnceSubmitted", func(t *testing.T) {
		_, sh, err := e.st.AssessmentSheet(ctx, first.ID, store.SheetOptions{EditorOrgID: e.org.ID})
		if err != nil || sh.Library == nil {
			t.Fatalf("draft: library %v, %v", sh.Library, err)
		}
		if _, err := e.st.PoolForTest().Exec(ctx, `UPDATE assessments SET status = 'submitted' WHERE id = $1`, first.ID); err != nil {
			t.Fatal(err)
		}
		_, sh, err = e.st.AssessmentSheet(ctx, first.ID, store.SheetOptions{Review: true, EditorOrgID: e.org.ID})
		if err != nil || sh.Library != nil {
			t.Errorf("submitted: library %v, %v", sh.Library, err)
		}
	})
	t.Run("PreviousSubmitted", func(t *testing.T) {
		old := e.submitted(t, e.org2.ID, "2024年度")
		prev := e.draft(t, e.org2.ID, "2025年度")
		if _, err := e.st.SaveAnswer(ctx, prev.ID, "1-1", assessment.AnswerValues{Level: &lv}, e.officer); err != nil {
			t.Fatal(err)
		}
		prev = e.move(t, prev, assessment.Submit, e.officer, "")
		cur := e.draft(t, e.org2.ID, "2026年度")
		e.submitted(t, e.org2.ID, "2027年度") // created after cur: not its previous
		in := []assessment.Status{assessment.Submitted, assessment.Approved}
		_, sh, err := e.st.AssessmentSheet(ctx, cur.ID, store.SheetOptions{PreviousIn: in})
		if err != nil || sh.PreviousSubmittedID != prev.ID || *sh.PreviousSubmittedAnswers["1-1"].Level != lv {
			t.Fatalf("previous of cur: %q %+v, %v; want %s", sh.PreviousSubmittedID, sh.PreviousSubmittedAnswers, err, prev.ID)
		}
		if _, sh, _ = e.st.AssessmentSheet(ctx, prev.ID, store.SheetOptions{PreviousIn: in}); sh.PreviousSubmittedID != old.ID {
			t.Fatalf("previous of prev: %q, want %s", sh.PreviousSubmittedID, old.ID)
		}
		if _, sh, _ = e.st.AssessmentSheet(ctx, old.ID, store.SheetOptions{PreviousIn: in}); sh.PreviousSubmittedID != "" {
			t.Fatalf("previous of the first: %q", sh.PreviousSubmittedID)
		}
		if _, sh, _ = e.st.AssessmentSheet(ctx, cur.ID, store.SheetOptions{}); sh.PreviousSubmittedID != "" || sh.PreviousSubmittedAnswers != nil {
			t.Fatal("previous read without PreviousIn")
		}
	})
	t.Run("UnknownIsNotFound", func(t *testing.T) {
		for _, id := range []string{"00000000-0000-0000-0000-000000000000", "not-a-uuid"} {
			if _, _, err := e.st.AssessmentSheet(ctx, id, store.SheetOptions{Review: true}); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("%s: %v, want not found", id, err)
			}
		}
	})
}

// TestAssessmentSheetOrgLists: with OrgLists the sheet's statement also
// reads the organisation's assessments as ListAssessmentHeads lists them
// and its active members as OrgMembers does (the report's comparisons and
// owner picker); without, neither.
func TestAssessmentSheetOrgLists(t *testing.T) {
	ctx := context.Background()
	e := rvSetup(t)
	first := e.submitted(t, e.org.ID, "2025年度")
	e.move(t, first, assessment.Return, e.auditor, "直してください")
	a := e.draft(t, e.org.ID, "2026年度")
	e.draft(t, e.org2.ID, "よその評価")
	gone := rvUser(t, e.st, e.org.ID, assessment.Officer, "gone@review.example")
	if _, _, err := e.st.UpdateUser(ctx, gone.ID, store.UserUpdate{Name: gone.Name, Role: gone.Role, OrgID: gone.OrgID, Actor: e.officer}); err != nil {
		t.Fatal(err) // deactivated: not a member to choose
	}

	_, sh, err := e.st.AssessmentSheet(ctx, a.ID, store.SheetOptions{OrgLists: true})
	if err != nil {
		t.Fatal(err)
	}
	heads, err := e.st.ListAssessmentHeads(ctx, e.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	same := func(x, y store.Assessment) bool {
		return x.ID == y.ID && x.Title == y.Title && x.Status == y.Status && x.StatusVersion == y.StatusVersion &&
			x.CreatedAt.Equal(y.CreatedAt) && x.UpdatedAt.Equal(y.UpdatedAt) && (x.SubmittedAt == nil) == (y.SubmittedAt == nil) &&
			x.ChecklistID == y.ChecklistID
	}
	if len(sh.OrgAssessments) != 2 || len(heads) != 2 || !same(sh.OrgAssessments[0], heads[0]) || !same(sh.OrgAssessments[1], heads[1]) {
		t.Fatalf("assessments = %+v, want as listed: %+v", sh.OrgAssessments, heads)
	}
	members, err := e.st.OrgMembers(ctx, e.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(sh.Members) != len(members) || len(members) != 2 {
		t.Fatalf("members = %+v, want %+v", sh.Members, members)
	}
	for i := range members {
		if sh.Members[i].ID != members[i].ID || sh.Members[i].Name != members[i].Name || sh.Members[i].PasswordHash != "" {
			t.Fatalf("member %d = %+v, want %+v without its password hash", i, sh.Members[i], members[i])
		}
	}
	if _, sh, err := e.st.AssessmentSheet(ctx, a.ID, store.SheetOptions{}); err != nil || sh.OrgAssessments != nil || sh.Members != nil {
		t.Fatalf("without OrgLists: %d assessments, %d members, %v", len(sh.OrgAssessments), len(sh.Members), err)
	}
}
