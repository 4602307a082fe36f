package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"mamori/internal/assessment"
	"mamori/internal/jobargs"
	"mamori/internal/store"
)

// TestAdminOutboxAndJobs: an admin reads what was (or would have been)
// sent, with the status and last error, and the jobs not completed; others
// are refused.
func TestAdminOutboxAndJobs(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	o := e.org("運用株式会社", nil)
	admin := e.login(e.user(o.ID, assessment.Manager, true))
	officer := e.login(e.user(o.ID, assessment.Officer, false))
	if _, err := e.st.OutboxPut(ctx, store.OutboxMail{Key: "k1", To: "a@example.jp", Subject: "[Mamori] 送信テスト", Body: "本文です"}, ""); err != nil {
		t.Fatal(err)
	}
	if err := e.st.OutboxMark(ctx, "k1", "failed", "dial tcp: connection refused"); err != nil {
		t.Fatal(err)
	}
	if err := e.st.InsertJobInTx(ctx, jobargs.Deliver{NotificationID: "00000000-0000-0000-0000-000000000009"}, nil); err != nil {
		t.Fatal(err)
	}
	res, page := e.get(admin, "/admin/outbox")
	if res.StatusCode != 200 || !strings.Contains(page, "[Mamori] 送信テスト") || !strings.Contains(page, "本文です") ||
		!strings.Contains(page, "送信断念") || !strings.Contains(page, "connection refused") {
		t.Fatalf("outbox: %d", res.StatusCode)
	}
	res, page = e.get(admin, "/admin/jobs")
	if res.StatusCode != 200 || !strings.Contains(page, "deliver_notification") || !strings.Contains(page, `data-testid="job-state">available<`) {
		t.Fatalf("jobs: %d", res.StatusCode)
	}
	for _, p := range []string{"/admin/outbox", "/admin/jobs"} {
		if res, _ := e.get(officer, p); res.StatusCode != http.StatusForbidden {
			t.Fatalf("officer %s: %d", p, res.StatusCode)
		}
	}
}
