package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"testing"
	"time"

	"mamori/checklist"
	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/evidence"
	"mamori/internal/store"
)

func upload(data []byte, name string) *store.EvidenceUpload {
	sum := sha256.Sum256(data)
	return &store.EvidenceUpload{Filename: name, ContentType: evidence.PDF, Size: int64(len(data)), SHA256: sum[:], Contents: bytes.NewReader(data)}
}

func TestEvidenceFile(t *testing.T) {
	ctx := context.Background()
	e := rvSetup(t)
	// Three chunks and a bit: reads cross chunk boundaries.
	data := bytes.Repeat([]byte("%PDF-1.7 0123456789abcdef"), 3*store.EvidenceChunk/25+100)
	day := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	ev, err := e.st.CreateEvidence(ctx, store.NewEvidence{OrgID: e.org.ID, Title: "アクセス権レビュー", EffectiveDate: day,
		File: upload(data, "レビュー.pdf"), Actor: e.officer})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Kind != store.KindFile || ev.Size != int64(len(data)) || ev.Filename != "レビュー.pdf" || !ev.EffectiveDate.Equal(day) {
		t.Fatalf("evidence = %+v", ev)
	}
	t.Run("ContentsReadBackWithSeeks", func(t *testing.T) {
		c := e.st.OpenEvidence(ctx, ev)
		got, err := io.ReadAll(c)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read %d bytes, err %v", len(got), err)
		}
		off := int64(store.EvidenceChunk - 3)
		if _, err := c.Seek(off, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		part := make([]byte, 10)
		if _, err := io.ReadFull(c, part); err != nil || !bytes.Equal(part, data[off:off+10]) {
			t.Fatalf("range across chunks: %q, %v", part, err)
		}
	})
	t.Run("DuplicateOffersExisting", func(t *testing.T) {
		_, err := e.st.CreateEvidence(ctx, store.NewEvidence{OrgID: e.org.ID, Title: "again", EffectiveDate: day, File: upload(data, "x.pdf"), Actor: e.officer})
		ae, ok := apperr.As(err)
		if !ok || ae.Code != apperr.Conflict || ae.Detail.(map[string]any)["existing_id"] != ev.ID {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("QuotaRefusesAndStoresNothing", func(t *testing.T) {
		used, _ := e.st.EvidenceUsage(ctx, e.org.ID)
		_, err := e.st.CreateEvidence(ctx, store.NewEvidence{OrgID: e.org.ID, Title: "big", EffectiveDate: day,
			File: upload([]byte("%PDF-other"), "y.pdf"), Quota: used + 5, Actor: e.officer})
		if apperr.CodeOf(err) != apperr.TooLarge {
			t.Fatalf("err = %v", err)
		}
		if after, _ := e.st.EvidenceUsage(ctx, e.org.ID); after != used {
			t.Fatalf("usage %d → %d", used, after)
		}
	})
	t.Run("OtherOrganisationsDoNotSee", func(t *testing.T) {
		es, err := e.st.ListEvidence(ctx, e.org2.ID, store.EvidenceFilter{})
		if err != nil || len(es) != 0 {
			t.Fatalf("org2 sees %d, %v", len(es), err)
		}
	})
	t.Run("VerifyFindsAChangedFile", func(t *testing.T) {
		var bad []string
		check := func() {
			bad = nil
			if _, err := e.st.VerifyEvidence(ctx, func(r store.VerifyResult) {
				if r.Problem != "" {
					bad = append(bad, r.Problem)
				}
			}); err != nil {
				t.Fatal(err)
			}
		}
		if check(); len(bad) != 0 {
			t.Fatalf("fresh file: %v", bad)
		}
		if _, err := e.st.PoolForTest().Exec(ctx, `UPDATE evidence_chunks SET data = overlay(data placing 'X' from 1) WHERE evidence_id = $1 AND seq = 1`, ev.ID); err != nil {
			t.Fatal(err)
		}
		if check(); len(bad) != 1 || bad[0] != "sha256" {
			t.Fatalf("changed file: %v", bad)
		}
	})
}

func TestEvidenceLinks(t *testing.T) {
	ctx := context.Background()
	e := rvSetup(t)
	day := time.Now().AddDate(-2, 0, 0)
	link, err := e.st.CreateEvidence(ctx, store.NewEvidence{OrgID: e.org.ID, Title: "鍵管理手順", URL: "https://wiki.example.jp/keys", EffectiveDate: day, Actor: e.officer})
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.st.CreateEvidence(ctx, store.NewEvidence{OrgID: e.org2.ID, Title: "他社", URL: "https://example.jp", EffectiveDate: day, Actor: e.officer})
	if err != nil {
		t.Fatal(err)
	}
	a := e.draft(t, e.org.ID, "2026年度")
	if err := e.st.LinkEvidence(ctx, a.ID, "3-6", link.ID, []string{"3-6-1"}, e.officer); err != nil {
		t.Fatal(err)
	}
	if err := e.st.LinkEvidence(ctx, a.ID, "3-6", other.ID, nil, e.officer); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("another organisation's item: %v", err)
	}
	got, err := e.st.AnswerEvidence(ctx, a.ID)
	if err != nil || len(got["3-6"]) != 1 || got["3-6"][0].Evidence.ID != link.ID || got["3-6"][0].PointIDs[0] != "3-6-1" {
		t.Fatalf("links = %+v, %v", got, err)
	}
	if es, _ := e.st.ListEvidence(ctx, e.org.ID, store.EvidenceFilter{State: "expired"}); len(es) != 1 {
		t.Fatalf("expired filter: %d", len(es))
	}
	if es, _ := e.st.ListEvidence(ctx, e.org.ID, store.EvidenceFilter{State: "unused"}); len(es) != 0 {
		t.Fatalf("unused filter: %d", len(es))
	}
	if es, _ := e.st.ListEvidence(ctx, e.org.ID, store.EvidenceFilter{QuestionID: "3-6", Q: "鍵"}); len(es) != 1 {
		t.Fatalf("question+q filter: %d", len(es))
	}

	// Submitted: links frozen, the item cannot be deleted, the auditor reviews.
	a = e.move(t, a, assessment.Submit, e.officer, "")
	if err := e.st.UnlinkEvidence(ctx, a.ID, "3-6", link.ID, e.officer); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("unlink after submit: %v", err)
	}
	if err := e.st.DeleteEvidence(ctx, link.ID, e.officer); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("delete after submit: %v", err)
	}
	if err := e.st.ReviewEvidence(ctx, a.ID, "3-6", link.ID, evidence.Insufficient, "手順書の日付が古い", e.auditor); err != nil {
		t.Fatal(err)
	}
	a = e.move(t, a, assessment.Return, e.auditor, "証跡を更新してください")
	got, _ = e.st.AnswerEvidence(ctx, a.ID)
	if l := got["3-6"][0]; l.Review != evidence.Insufficient || l.ReviewComment != "手順書の日付が古い" {
		t.Fatalf("review after return: %+v", l)
	}

	// Next year's copy carries the link over, to be reconfirmed, without the review.
	next, err := e.st.CreateAssessment(ctx, store.NewAssessment{OrgID: e.org.ID, Title: "2027年度", ChecklistID: checklist.Default().ID, CopyFrom: a.ID, Actor: e.officer})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = e.st.AnswerEvidence(ctx, next.ID)
	if l := got["3-6"]; len(l) != 1 || !l[0].NeedsConfirmation || l[0].Review != "" {
		t.Fatalf("carried over: %+v", l)
	}
	if err := e.st.LinkEvidence(ctx, next.ID, "3-6", link.ID, nil, e.officer); err != nil {
		t.Fatal(err)
	}
	if got, _ = e.st.AnswerEvidence(ctx, next.ID); got["3-6"][0].NeedsConfirmation {
		t.Fatal("linking again did not confirm")
	}
	var n int
	if err := e.st.PoolForTest().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action LIKE 'evidence.%' AND org_id = $1`, e.org.ID).Scan(&n); err != nil || n != 4 { // added, linked, reviewed, linked again
		t.Fatalf("audit entries: %d, %v", n, err)
	}
}

// TestEvidenceReviewNotices: once an item's review-by date has passed, the
// officers of its organisation (not its auditors, not another
// organisation's officers) are told, once per item and date; a retired
// item is not mentioned, and a new review-by date earns a new notice.
func TestEvidenceReviewNotices(t *testing.T) {
	ctx := context.Background()
	e := rvSetup(t)
	other := rvUser(t, e.st, e.org2.ID, assessment.Officer, "other@review-by.example")
	date := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	item := func(title, reviewBy string) store.Evidence {
		rb := date(reviewBy)
		ev, err := e.st.CreateEvidence(ctx, store.NewEvidence{OrgID: e.org.ID, Title: title, URL: "https://example.com/" + title,
			EffectiveDate: date("2026-01-10"), ReviewBy: &rb, Actor: e.officer})
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	policy, retired := item("policy", "2026-12-01"), item("old", "2026-11-01")
	yes := true
	if _, err := e.st.UpdateEvidence(ctx, retired.ID, store.EvidencePatch{Retired: &yes}, e.officer); err != nil {
		t.Fatal(err)
	}
	told := func(userID string) []string {
		ns, err := e.st.Notifications(ctx, userID, false, 50)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, n := range ns {
			out = append(out, n.Kind+" "+fmt.Sprint(n.Params["evidence"], " ", n.Params["review_by"]))
		}
		return out
	}
	for _, d := range []string{"2026-12-01", "2026-12-02", "2026-12-03"} {
		if err := e.st.NotifyEvidenceReviews(ctx, date(d)); err != nil {
			t.Fatal(err)
		}
	}
	if got := told(e.officer.UserID); len(got) != 1 || got[0] != "evidence_review policy 2026-12-01" {
		t.Fatalf("officer told %v", got)
	}
	if got := told(other.ID); len(got) != 0 {
		t.Fatalf("another organisation's officer told %v", got)
	}
	if got := told(e.auditor.UserID); len(got) != 0 {
		t.Fatalf("auditor told %v", got)
	}
	later := date("2026-12-20")
	lp := &later
	if _, err := e.st.UpdateEvidence(ctx, policy.ID, store.EvidencePatch{ReviewBy: &lp}, e.officer); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"2026-12-10", "2026-12-21", "2026-12-22"} {
		if err := e.st.NotifyEvidenceReviews(ctx, date(d)); err != nil {
			t.Fatal(err)
		}
	}
	if got := told(e.officer.UserID); len(got) != 2 || got[0] != "evidence_review policy 2026-12-20" {
		t.Fatalf("officer told %v", got)
	}
}
