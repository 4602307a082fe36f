package store_test

import (
	"context"
	"slices"
	"testing"

	"mamori/checklist"
	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/store"
)

func TestImportAnswers(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	a := f.assessment(t, "")
	// Someone saved 1-1 and 1-2 before the import.
	if _, err := f.st.SaveAnswer(ctx, a.ID, "1-1", assessment.AnswerValues{Level: lvl(2), Comment: "旧"}, f.actor); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.SaveAnswer(ctx, a.ID, "1-2", assessment.AnswerValues{Level: lvl(4), PointsMet: []string{"1-2-1"}}, f.actor); err != nil {
		t.Fatal(err)
	}
	audits := func() int {
		var n int
		if err := f.st.PoolForTest().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE assessment_id = $1 AND action = 'answer.imported'`, a.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("WritesWithoutVersionCheckAndAudits", func(t *testing.T) {
		rows := []store.ImportRow{
			{QuestionID: "1-1", Level: lvl(3), Comment: "新しいコメント", PointsMet: []string{"1-1-1", "1-1-2"}}, // changed
			{QuestionID: "1-2", Level: lvl(4), PointsMet: []string{"1-2-1"}},                              // the same
			{QuestionID: "1-3"}, // empty and never answered: skipped
			{QuestionID: "1-4", Level: lvl(1), Comment: "追加"}, // new
		}
		res, err := f.st.ImportAnswers(ctx, a.ID, rows, f.actor)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Changed, []string{"1-1", "1-4"}) || res.Unchanged != 2 {
			t.Fatalf("result %+v", res)
		}
		got, err := f.st.Answers(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if x := got["1-1"]; *x.Level != 3 || x.Comment != "新しいコメント" || !slices.Equal(x.PointsMet, []string{"1-1-1", "1-1-2"}) || x.Version != 2 {
			t.Errorf("1-1 = %+v", x)
		}
		if x := got["1-2"]; x.Version != 1 {
			t.Errorf("1-2 was rewritten: version %d", x.Version)
		}
		if _, ok := got["1-3"]; ok {
			t.Error("an empty row created an answer")
		}
		if x := got["1-4"]; *x.Level != 1 || x.Version != 1 {
			t.Errorf("1-4 = %+v", x)
		}
		if n := audits(); n != 2 {
			t.Errorf("answer.imported entries %d, want 2", n)
		}
	})
	t.Run("EmptyRowClearsAnAnswer", func(t *testing.T) {
		res, err := f.st.ImportAnswers(ctx, a.ID, []store.ImportRow{{QuestionID: "1-4"}}, f.actor)
		if err != nil || !slices.Equal(res.Changed, []string{"1-4"}) {
			t.Fatalf("%v %+v", err, res)
		}
		got, _ := f.st.Answers(ctx, a.ID)
		if x := got["1-4"]; x.Level != nil || x.Comment != "" {
			t.Errorf("1-4 = %+v", x)
		}
	})
	t.Run("AllOrNothing", func(t *testing.T) {
		before, _ := f.st.Answers(ctx, a.ID)
		n := audits()
		// The second row breaks a database constraint (a comment over the
		// limit slips past no validation here): the first must not stay.
		long := make([]rune, assessment.MaxComment+1)
		for i := range long {
			long[i] = 'あ'
		}
		_, err := f.st.ImportAnswers(ctx, a.ID, []store.ImportRow{
			{QuestionID: "2-1", Level: lvl(5)},
			{QuestionID: "2-2", Level: lvl(5), Comment: string(long)},
		}, f.actor)
		if !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("err %v, want Invalid", err)
		}
		after, _ := f.st.Answers(ctx, a.ID)
		if len(after) != len(before) {
			t.Errorf("answers %d → %d: a failed import wrote", len(before), len(after))
		}
		if audits() != n {
			t.Error("a failed import left audit entries")
		}
	})
	t.Run("ConfirmsCarriedOver", func(t *testing.T) {
		// Submit a, copy it, and import the copy's answers unchanged.
		for _, q := range checklist.Default().QuestionIDs() {
			if _, err := f.st.ImportAnswers(ctx, a.ID, []store.ImportRow{{QuestionID: q, Level: lvl(3)}}, f.actor); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.st.ChangeStatus(ctx, store.StatusChange{AssessmentID: a.ID, From: assessment.Draft, To: assessment.Submitted, Action: assessment.Submit, Actor: f.actor}); err != nil {
			t.Fatal(err)
		}
		b := f.assessment(t, a.ID)
		// The same values as carried over: confirming them is a change.
		res, err := f.st.ImportAnswers(ctx, b.ID, []store.ImportRow{{QuestionID: "1-1", Level: lvl(3)}}, f.actor)
		if err != nil || len(res.Changed) != 1 {
			t.Fatalf("%v %+v", err, res)
		}
		got, _ := f.st.Answers(ctx, b.ID)
		if got["1-1"].CarriedOver || !got["1-2"].CarriedOver {
			t.Errorf("1-1 carried %v (want confirmed), 1-2 carried %v (want still carried)", got["1-1"].CarriedOver, got["1-2"].CarriedOver)
		}
		t.Run("NotEditableIsConflict", func(t *testing.T) {
			_, err := f.st.ImportAnswers(ctx, a.ID, []store.ImportRow{{QuestionID: "1-1", Level: lvl(1)}}, f.actor)
			if !apperr.Is(err, apperr.Conflict) {
				t.Fatalf("submitted: err %v, want Conflict", err)
			}
		})
	})
	t.Run("UnknownAssessment", func(t *testing.T) {
		for _, id := range []string{"00000000-0000-0000-0000-000000000000", "x"} {
			if _, err := f.st.ImportAnswers(ctx, id, nil, f.actor); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("%s: %v", id, err)
			}
		}
	})
}
