package store_test

import (
	"context"
	"encoding/json"
	"testing"

	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/store"
)

func TestComments(t *testing.T) {
	ctx := context.Background()
	e := rvSetup(t)
	a := e.submitted(t, e.org.ID, "コメント")

	q, err := e.st.AddComment(ctx, store.NewComment{AssessmentID: a.ID, QuestionID: "1-1", Body: "根拠の規程名を教えてください。", Actor: e.auditor})
	if err != nil {
		t.Fatal(err)
	}
	if q.QuestionID == nil || *q.QuestionID != "1-1" || q.AuthorRole != assessment.Auditor || q.AuthorName != e.auditorName || q.CreatedAt.IsZero() {
		t.Fatalf("comment = %+v", q)
	}
	g, err := e.st.AddComment(ctx, store.NewComment{AssessmentID: a.ID, Body: "全体として良好です。", Actor: e.officer})
	if err != nil {
		t.Fatal(err)
	}
	if g.QuestionID != nil {
		t.Fatalf("general comment has question %v", *g.QuestionID)
	}

	t.Run("OldestFirstAndThreads", func(t *testing.T) {
		cs, err := e.st.Comments(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 2 || cs[0].ID != q.ID || cs[1].ID != g.ID {
			t.Fatalf("comments = %+v", cs)
		}
		th := store.Threads(cs)
		if len(th["1-1"]) != 1 || len(th[""]) != 1 {
			t.Fatalf("threads = %+v", th)
		}
	})
	t.Run("Audited", func(t *testing.T) {
		var detail string
		err := e.st.PoolForTest().QueryRow(ctx, `SELECT detail::text FROM audit_log WHERE action = 'comment.added' AND actor_id = $1`, e.auditor.UserID).Scan(&detail)
		if err != nil {
			t.Fatal(err)
		}
		var d map[string]any
		_ = json.Unmarshal([]byte(detail), &d)
		if d["comment_id"] != q.ID || d["question_id"] != "1-1" || d["body"] != q.Body {
			t.Fatalf("detail = %s", detail)
		}
	})
	t.Run("UnknownAssessment", func(t *testing.T) {
		for _, id := range []string{"00000000-0000-0000-0000-000000000000", "not-a-uuid"} {
			_, err := e.st.AddComment(ctx, store.NewComment{AssessmentID: id, Body: "x", Actor: e.auditor})
			if !apperr.Is(err, apperr.NotFound) {
				t.Fatalf("%s: %v, want NotFound", id, err)
			}
		}
	})
	t.Run("DatabaseRefusesBlankBody", func(t *testing.T) {
		before := e.auditCount(t, "comment.added")
		if _, err := e.st.AddComment(ctx, store.NewComment{AssessmentID: a.ID, Body: "  ", Actor: e.auditor}); err == nil {
			t.Fatal("blank body accepted")
		}
		if e.auditCount(t, "comment.added") != before {
			t.Fatal("a refused comment was audited")
		}
	})
	t.Run("DecisionCommentOnlyWithTheStatusChange", func(t *testing.T) {
		// A decision's comment is written in the status change's
		// transaction: when the change is refused, there is no comment.
		n := func() int {
			cs, err := e.st.Comments(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			return len(cs)
		}
		before := n()
		_, err := e.st.Decide(ctx, store.StatusChange{AssessmentID: a.ID, From: assessment.Approved, To: assessment.Returned,
			Action: assessment.Reopen, Comment: "消える", Actor: e.auditor})
		if !apperr.Is(err, apperr.Conflict) || n() != before {
			t.Fatalf("stale decision: %v, comments %d → %d", err, before, n())
		}
		_, err = e.st.Decide(ctx, store.StatusChange{AssessmentID: a.ID, From: assessment.Submitted, To: assessment.Returned,
			Action: assessment.Return, Comment: "戻します", Actor: e.auditor})
		if err != nil || n() != before+1 {
			t.Fatalf("return: %v, comments %d → %d", err, before, n())
		}
	})
}
