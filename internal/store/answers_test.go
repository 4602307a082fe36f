package store_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// answerFixture is one organisation with one officer and a draft.
func answerFixture(t *testing.T) (*store.Store, store.Assessment, store.Actor) {
	t.Helper()
	ctx := context.Background()
	st := storetest.New(t)
	org, err := st.CreateOrg(ctx, "保存テスト株式会社", nil, "other")
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Email: "o@example.jp", Name: "担当", PasswordHash: "x", Role: assessment.Officer, OrgID: org.ID})
	if err != nil {
		t.Fatal(err)
	}
	act := store.Actor{UserID: u.ID, Email: u.Email}
	a, err := st.CreateAssessment(ctx, store.NewAssessment{OrgID: org.ID, Title: "t", ChecklistID: "ipa-benchmark-4", Actor: act})
	if err != nil {
		t.Fatal(err)
	}
	return st, a, act
}

func lvl(n int) *int { return &n }

func TestSaveAnswer(t *testing.T) {
	ctx := context.Background()
	st, a, act := answerFixture(t)

	first, err := st.SaveAnswer(ctx, a.ID, "1-1", assessment.AnswerValues{Level: lvl(3), Comment: "a", PointsMet: []string{"1-1-1"}, Version: 0}, act)
	if err != nil || first.Version != 1 {
		t.Fatalf("first save: %+v %v", first, err)
	}
	t.Run("StaleVersionConflicts", func(t *testing.T) {
		_, err := st.SaveAnswer(ctx, a.ID, "1-1", assessment.AnswerValues{Level: lvl(4), Version: 0}, act)
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.Conflict {
			t.Fatalf("err = %v, want conflict", err)
		}
		cur, ok := e.Detail.(store.Answer)
		if !ok || *cur.Level != 3 || cur.Version != 1 || cur.UpdatedByName != "担当" {
			t.Fatalf("conflict detail = %+v", e.Detail)
		}
		got, _ := st.Answers(ctx, a.ID)
		if *got["1-1"].Level != 3 {
			t.Fatal("stale save overwrote the answer")
		}
	})
	t.Run("SameValuesTwiceHarmless", func(t *testing.T) {
		again, err := st.SaveAnswer(ctx, a.ID, "1-1", assessment.AnswerValues{Level: lvl(3), Comment: "a", PointsMet: []string{"1-1-1"}, Version: 0}, act)
		if err != nil || again.Version != 1 {
			t.Fatalf("repeat: %+v %v", again, err)
		}
	})
	t.Run("CurrentVersionSaves", func(t *testing.T) {
		next, err := st.SaveAnswer(ctx, a.ID, "1-1", assessment.AnswerValues{Level: nil, Comment: "b", Version: 1}, act)
		if err != nil || next.Version != 2 || next.Level != nil {
			t.Fatalf("save v1: %+v %v", next, err)
		}
	})
	t.Run("DifferentQuestionsNeverConflict", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for i := 1; i <= 8; i++ {
			wg.Add(1)
			go func(q string) {
				defer wg.Done()
				_, err := st.SaveAnswer(ctx, a.ID, q, assessment.AnswerValues{Level: lvl(2), Version: 0}, act)
				errs <- err
			}(fmt.Sprintf("1-%d", i))
		}
		wg.Wait()
		close(errs)
		n := 0
		for err := range errs {
			if err != nil && !apperr.Is(err, apperr.Conflict) {
				t.Fatal(err)
			}
			if err == nil {
				n++
			}
		}
		// 1-1 already exists (version 2), so its version-0 save conflicts;
		// the seven others are new and all succeed.
		if n != 7 {
			t.Fatalf("%d of 7 new answers saved", n)
		}
	})
	t.Run("ConcurrentSameVersionOneWins", func(t *testing.T) {
		var wg sync.WaitGroup
		results := make(chan error, 10)
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, err := st.SaveAnswer(ctx, a.ID, "2-1", assessment.AnswerValues{Level: lvl(1 + i%5), Comment: fmt.Sprint(i), Version: 0}, act)
				results <- err
			}(i)
		}
		wg.Wait()
		close(results)
		ok := 0
		for err := range results {
			if err == nil {
				ok++
			} else if !apperr.Is(err, apperr.Conflict) {
				t.Fatal(err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d concurrent first saves succeeded, want exactly 1", ok)
		}
	})
	t.Run("SubmittedNotEditable", func(t *testing.T) {
		if _, err := st.ChangeStatus(ctx, store.StatusChange{AssessmentID: a.ID, From: assessment.Draft, To: assessment.Submitted, Action: assessment.Submit, Actor: act}); err != nil {
			t.Fatal(err)
		}
		_, err := st.SaveAnswer(ctx, a.ID, "3-1", assessment.AnswerValues{Level: lvl(2), Version: 0}, act)
		if !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("save after submit: %v", err)
		}
		// A second submit from the stale state conflicts too.
		_, err = st.ChangeStatus(ctx, store.StatusChange{AssessmentID: a.ID, From: assessment.Draft, To: assessment.Submitted, Action: assessment.Submit, Actor: act})
		if !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("double submit: %v", err)
		}
	})
	t.Run("EverySaveAudited", func(t *testing.T) {
		entries, err := st.AssessmentAudit(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		saves := 0
		for _, e := range entries {
			if e.Action == "answer.saved" {
				saves++
			}
		}
		// 1-1 twice, seven of category 1, one of 2-1.
		if saves != 10 {
			t.Fatalf("%d answer.saved entries, want 10", saves)
		}
		if n, bad, err := st.VerifyAudit(ctx); err != nil || bad != 0 || n == 0 {
			t.Fatalf("verify: %d %d %v", n, bad, err)
		}
	})
}

// TestAnswerSheetMatchesItsParts: the one-statement read of the category
// page gives what the separate reads of answers, marks and comments give.
func TestAnswerSheetMatchesItsParts(t *testing.T) {
	ctx := context.Background()
	e := rvSetup(t)
	a := e.draft(t, e.org.ID, "一括読み込み")
	two, four := 2, 4
	for q, v := range map[string]assessment.AnswerValues{
		"1-1": {Level: &two, Comment: "規程あり", PointsMet: []string{"1-1-1"}},
		"1-2": {Level: &four},
		"2-1": {Comment: "未定"},
	} {
		if _, err := e.st.SaveAnswer(ctx, a.ID, q, v, e.officer); err != nil {
			t.Fatal(err)
		}
	}
	due := time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)
	if _, err := e.st.AssignQuestions(ctx, store.NewQuestionAssignment{AssessmentID: a.ID, QuestionIDs: []string{"1-1", "2-1"},
		UserID: e.officer.UserID, DueOn: &due, Note: "施設担当へ", Actor: e.officer}); err != nil {
		t.Fatal(err)
	}
	a = e.move(t, a, assessment.Submit, e.officer, "")
	if err := e.st.SetMark(ctx, a.ID, "1-1", store.MarkNeedsAttention, e.auditor); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"", "1-1", "1-1"} {
		if _, err := e.st.AddComment(ctx, store.NewComment{AssessmentID: a.ID, QuestionID: q, Body: "確認 " + q, Actor: e.auditor}); err != nil {
			t.Fatal(err)
		}
	}
	sheet, err := e.st.AnswerSheet(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	answers, _ := e.st.Answers(ctx, a.ID)
	marks, _ := e.st.Marks(ctx, a.ID)
	comments, _ := e.st.Comments(ctx, a.ID)
	if len(sheet.Answers) != len(answers) || len(answers) == 0 {
		t.Fatalf("answers: %d, want %d", len(sheet.Answers), len(answers))
	}
	for id, want := range answers {
		got := sheet.Answers[id]
		if !got.UpdatedAt.Equal(want.UpdatedAt) {
			t.Errorf("%s: updated at %v, want %v", id, got.UpdatedAt, want.UpdatedAt)
		}
		got.UpdatedAt = want.UpdatedAt
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v, want %+v", id, got, want)
		}
	}
	if m := sheet.Marks["1-1"]; len(sheet.Marks) != len(marks) || m.Mark != marks["1-1"].Mark || m.UpdatedByName != marks["1-1"].UpdatedByName || !m.UpdatedAt.Equal(marks["1-1"].UpdatedAt) {
		t.Errorf("marks %+v, want %+v", sheet.Marks, marks)
	}
	assigned, _ := e.st.QuestionAssignments(ctx, a.ID)
	if len(sheet.Assignments) != len(assigned) || len(assigned) != 2 {
		t.Fatalf("assignments: %d, want %d (2)", len(sheet.Assignments), len(assigned))
	}
	for id, want := range assigned {
		got := sheet.Assignments[id]
		if got.DueOn == nil || want.DueOn == nil || !got.DueOn.Equal(*want.DueOn) || !got.AssignedAt.Equal(want.AssignedAt) {
			t.Errorf("%s: due %v at %v, want %v at %v", id, got.DueOn, got.AssignedAt, want.DueOn, want.AssignedAt)
		}
		got.DueOn, got.AssignedAt = want.DueOn, want.AssignedAt
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v, want %+v", id, got, want)
		}
	}
	if len(sheet.Comments) != len(comments) || len(comments) != 3 {
		t.Fatalf("comments: %d, want %d (3)", len(sheet.Comments), len(comments))
	}
	for i, want := range comments {
		got := sheet.Comments[i]
		if !got.CreatedAt.Equal(want.CreatedAt) {
			t.Errorf("comment %d: at %v, want %v", i, got.CreatedAt, want.CreatedAt)
		}
		got.CreatedAt = want.CreatedAt
		if !reflect.DeepEqual(got, want) {
			t.Errorf("comment %d: %+v, want %+v", i, got, want)
		}
	}
}
