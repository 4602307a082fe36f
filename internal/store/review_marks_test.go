package store_test

import (
	"context"
	"testing"

	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/store"
)

func TestSetMark(t *testing.T) {
	ctx := context.Background()
	e := rvSetup(t)
	a := e.submitted(t, e.org.ID, "マーク")

	mark := func(q string) store.ReviewMark {
		t.Helper()
		ms, err := e.st.Marks(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		return ms[q]
	}
	set := func(q, m string) {
		t.Helper()
		if err := e.st.SetMark(ctx, a.ID, q, m, e.auditor); err != nil {
			t.Fatal(err)
		}
	}

	set("1-1", store.MarkNeedsAttention)
	if m := mark("1-1"); m.Mark != store.MarkNeedsAttention || m.UpdatedBy != e.auditor.UserID || m.UpdatedByName != e.auditorName {
		t.Fatalf("mark = %+v", m)
	}
	t.Run("SameMarkRecordsNothing", func(t *testing.T) {
		before := e.auditCount(t, "review.marked")
		set("1-1", store.MarkNeedsAttention)
		if e.auditCount(t, "review.marked") != before {
			t.Fatal("an unchanged mark was audited")
		}
	})
	t.Run("ChangeAndClearAreAudited", func(t *testing.T) {
		before := e.auditCount(t, "review.marked")
		set("1-1", store.MarkOK)
		if mark("1-1").Mark != store.MarkOK {
			t.Fatal("mark not changed")
		}
		set("1-1", "")
		if m := mark("1-1"); m.Mark != "" {
			t.Fatalf("mark not cleared: %+v", m)
		}
		if got := e.auditCount(t, "review.marked"); got != before+2 {
			t.Fatalf("audit entries %d → %d, want +2", before, got)
		}
		var old, cur *string
		err := e.st.PoolForTest().QueryRow(ctx, `SELECT detail->>'old', detail->>'new' FROM audit_log WHERE action = 'review.marked' ORDER BY seq DESC LIMIT 1`).Scan(&old, &cur)
		if err != nil || old == nil || *old != store.MarkOK || cur != nil {
			t.Fatalf("last detail old=%v new=%v err=%v", old, cur, err)
		}
	})
	t.Run("InvalidMark", func(t *testing.T) {
		if err := e.st.SetMark(ctx, a.ID, "1-2", "great", e.auditor); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("err = %v, want Invalid", err)
		}
	})
	t.Run("UnknownAssessment", func(t *testing.T) {
		if err := e.st.SetMark(ctx, "00000000-0000-0000-0000-000000000000", "1-2", store.MarkOK, e.auditor); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("err = %v, want NotFound", err)
		}
	})
	t.Run("OnlyWhileSubmitted", func(t *testing.T) {
		set("2-1", store.MarkNeedsAttention)
		returned := e.move(t, a, assessment.Return, e.auditor, "直してください")
		err := e.st.SetMark(ctx, a.ID, "2-1", store.MarkOK, e.auditor)
		if !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("returned: err = %v, want Conflict", err)
		}
		// The officers see what the auditor found while they fix it.
		if mark("2-1").Mark != store.MarkNeedsAttention {
			t.Fatal("marks did not survive the return")
		}
		counts, err := e.st.AttentionCounts(ctx, []string{a.ID, e.draft(t, e.org.ID, "other").ID})
		if err != nil || len(counts) != 1 || counts[a.ID] != 1 {
			t.Fatalf("attention counts = %v, %v", counts, err)
		}
		e.move(t, returned, assessment.Submit, e.officer, "")
		set("2-1", store.MarkOK)
		d := e.draft(t, e.org.ID, "下書き")
		if err := e.st.SetMark(ctx, d.ID, "1-1", store.MarkOK, e.auditor); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("draft: err = %v, want Conflict", err)
		}
	})
}
