package store_test

import (
	"context"
	"testing"
	"time"

	"mamori/internal/action"
	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// gainFixture is an organisation whose newest assessment has 1-1 at level 2
// and an action planning 1-1 at 4.
type gainFixture struct {
	rvEnv
	a      store.Assessment
	action store.Action
}

func newGainFixture(t *testing.T) gainFixture {
	t.Helper()
	ctx := context.Background()
	e := rvSetup(t)
	a := e.draft(t, e.org.ID, "今年度")
	two := 2
	if _, err := e.st.SaveAnswer(ctx, a.ID, "1-1", assessment.AnswerValues{Level: &two}, e.officer); err != nil {
		t.Fatal(err)
	}
	as, err := e.st.CreateActions(ctx, e.org.ID, []store.NewAction{{OrgID: e.org.ID, Title: "手順書の整備",
		Questions: []action.Planned{{QuestionID: "1-1", PlannedLevel: 4}}, OwnerID: e.officer.UserID,
		DueOn: time.Now().AddDate(0, 1, 0), Priority: action.Low}}, e.officer)
	if err != nil {
		t.Fatal(err)
	}
	return gainFixture{rvEnv: e, a: a, action: as[0]}
}

// keptGainIsRight fails unless the gain kept on the action is the one its
// plan and the newest levels give now.
func (f gainFixture) keptGainIsRight(t *testing.T) {
	t.Helper()
	var kept, want int
	err := storetest.DB(t, f.st).QueryRow(context.Background(), `SELECT gain, action_gain(org_id, questions) FROM actions WHERE id = $1`,
		f.action.ID).Scan(&kept, &want)
	if err != nil {
		t.Fatal(err)
	}
	if kept != want {
		t.Errorf("kept gain %d, but the action's plan and the newest levels give %d", kept, want)
	}
}

// waitingFor runs fn while tx holds its locks, and commits tx once fn has
// had time to block on them.
func waitingFor(t *testing.T, commit func() error, fn func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	time.Sleep(300 * time.Millisecond)
	if err := commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestActionGainRaces: a save, an edit of the action and a new assessment
// at once leave the gain that the end state gives. The triggers once worked
// the gain out before waiting for the action's row, and wrote that.
func TestActionGainRaces(t *testing.T) {
	ctx := context.Background()
	three := 3
	t.Run("ASaveWaitsForAnEdit", func(t *testing.T) {
		f := newGainFixture(t)
		tx, err := storetest.DB(t, f.st).Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// The edit moves the plan to 2-1 (unanswered) at 3; the save of
		// 1-1 waits for the action's row.
		if _, err := tx.Exec(ctx, `UPDATE actions SET questions = '[{"question_id":"2-1","planned_level":3}]' WHERE id = $1`, f.action.ID); err != nil {
			t.Fatal(err)
		}
		waitingFor(t, func() error { return tx.Commit(ctx) }, func() error {
			_, err := f.st.SaveAnswer(ctx, f.a.ID, "1-1", assessment.AnswerValues{Level: &three, Version: 1}, f.officer)
			return err
		})
		f.keptGainIsRight(t)
	})
	t.Run("ASaveWaitsForANewAssessment", func(t *testing.T) {
		f := newGainFixture(t)
		tx, err := storetest.DB(t, f.st).Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO assessments (org_id, title, checklist_id) SELECT org_id, '次年度', checklist_id FROM assessments WHERE id = $1`, f.a.ID); err != nil {
			t.Fatal(err)
		}
		waitingFor(t, func() error { return tx.Commit(ctx) }, func() error {
			_, err := f.st.SaveAnswer(ctx, f.a.ID, "1-1", assessment.AnswerValues{Level: &three, Version: 1}, f.officer)
			return err
		})
		f.keptGainIsRight(t)
	})
	t.Run("AnEditAddsTheQuestionBeingSaved", func(t *testing.T) {
		f := newGainFixture(t)
		// A save of 2-1 in flight: the assessment locked, the level
		// written; no action names 2-1 yet.
		tx, err := storetest.DB(t, f.st).Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `SELECT 1 FROM assessments WHERE id = $1 FOR NO KEY UPDATE`, f.a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO answers (assessment_id, question_id, level) VALUES ($1, '2-1', 3)`, f.a.ID); err != nil {
			t.Fatal(err)
		}
		waitingFor(t, func() error { return tx.Commit(ctx) }, func() error {
			_, err := f.st.UpdateAction(ctx, f.action.ID, store.ActionUpdate{Title: f.action.Title,
				Questions: []action.Planned{{QuestionID: "1-1", PlannedLevel: 4}, {QuestionID: "2-1", PlannedLevel: 5}},
				OwnerID:   f.action.OwnerID, DueOn: f.action.DueOn, Priority: f.action.Priority, Version: f.action.Version}, f.officer)
			return err
		})
		f.keptGainIsRight(t)
	})
}

// TestActionGainAfterCopies: a new cycle copied from last year's and a
// prefilled campaign work the gains out once, after the copy, and get them
// right.
func TestActionGainAfterCopies(t *testing.T) {
	ctx := context.Background()
	f := newGainFixture(t)
	next, err := f.st.CreateAssessment(ctx, store.NewAssessment{OrgID: f.org.ID, Title: "次年度", ChecklistID: f.a.ChecklistID,
		CopyFrom: f.a.ID, Actor: f.officer})
	if err != nil {
		t.Fatal(err)
	}
	f.keptGainIsRight(t)
	var g int
	if err := storetest.DB(t, f.st).QueryRow(ctx, `SELECT gain FROM actions WHERE id = $1`, f.action.ID).Scan(&g); err != nil || g != 2 {
		t.Fatalf("gain after the copy = %d, %v; want 2 (4 planned, 2 carried over)", g, err)
	}
	// The setting the copy used ends with it: a save counts again.
	four := 4
	if _, err := f.st.SaveAnswer(ctx, next.ID, "1-1", assessment.AnswerValues{Level: &four, Version: 1}, f.officer); err != nil {
		t.Fatal(err)
	}
	if err := storetest.DB(t, f.st).QueryRow(ctx, `SELECT gain FROM actions WHERE id = $1`, f.action.ID).Scan(&g); err != nil || g != 0 {
		t.Fatalf("gain after the save = %d, %v; want 0", g, err)
	}
}
