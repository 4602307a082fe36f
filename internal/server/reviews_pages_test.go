package server_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"mamori/internal/store/storetest"
)

// TestReviewsPaged: an audit firm assigned to a group of 56 organisations
// with 101 submissions waiting reads them a page at a time on /reviews,
// in the API (with a Link to the next page), on its tasks and on the
// assessments page, each with the whole count.
func TestReviewsPaged(t *testing.T) {
	f := newRvFix(t)
	ctx := context.Background()
	group := f.env.org("グループ本社", nil)
	children := make([]string, 55)
	for i := range children {
		children[i] = f.env.org("子会社"+strconv.Itoa(100+i), &group.ID).ID
	}
	f.assign(f.auditor, group)
	// 101 submissions straight into the table, the oldest in 子会社100.
	_, err := storetest.DB(t, f.st).Exec(ctx, `
		INSERT INTO assessments (org_id, title, checklist_id, status, created_at, submitted_at)
		SELECT ($1::uuid[])[1 + i % 55], '提出 ' || lpad(i::text, 3, '0'), 'ipa-benchmark-4', 'submitted',
			now() - interval '200 days', now() - interval '101 days' + i * interval '1 day'
		FROM generate_series(0, 100) i`, children)
	if err != nil {
		t.Fatal(err)
	}
	auditor := f.login(f.auditor)

	doc := f.rvPage(auditor, "/reviews", 200)
	rows := tid(doc, "queue-row")
	if rows.Length() != 50 || !strings.Contains(rows.First().Text(), "提出 000") || !strings.Contains(rows.Last().Text(), "提出 049") {
		t.Fatalf("queue page 1: %d rows, first %q", rows.Length(), squash(rows.First().Text()))
	}
	if got := squash(tid(doc, "queue-count").Text()); got != "（101件）" {
		t.Errorf("queue count = %q, want the whole queue's", got)
	}
	// The organisations: the group and its 55 companies (the firm has no
	// assessment of its own), 50 on the first page.
	if n := tid(doc, "reviewed-org").Length(); n != 50 {
		t.Errorf("reviewed organisations on page 1: %d, want 50", n)
	}
	if got := squash(tid(doc, "orgs-count").Text()); got != "（57件）" { // the group, its 55, and レビュー株式会社 assigned before
		t.Errorf("organisations count = %q", got)
	}
	next, _ := tid(doc, "queue-pager").Find(`a[rel="next"]`).Attr("href")
	if next != "/reviews?queue_page=2&orgs_page=1" {
		t.Fatalf("queue pager's next = %q", next)
	}
	doc = f.rvPage(auditor, "/reviews?queue_page=3&orgs_page=2", 200)
	if rows := tid(doc, "queue-row"); rows.Length() != 1 || !strings.Contains(rows.Text(), "提出 100") {
		t.Errorf("queue page 3: %d rows %q", rows.Length(), squash(rows.Text()))
	}
	if n := tid(doc, "reviewed-org").Length(); n != 7 {
		t.Errorf("reviewed organisations on page 2: %d, want 7", n)
	}
	if prev, _ := tid(doc, "orgs-pager").Find(`a[rel="prev"]`).Attr("href"); prev != "/reviews?queue_page=3&orgs_page=1" {
		t.Errorf("organisations pager keeps the queue's page: prev = %q", prev)
	}
	f.rvPage(auditor, "/reviews?queue_page=x&orgs_page=-4", 200)

	// The API: 100 of each, a Link to page 2, where the last one is.
	res, body := f.send(nil, "GET", "/api/v1/reviews", nil, map[string]string{"Authorization": "Bearer " + f.tAuditor})
	if res.StatusCode != 200 || res.Header.Get("Link") != `</api/v1/reviews?page=2>; rel="next"` || strings.Count(body, `"assessment_id"`) < 100 {
		t.Fatalf("API page 1: %d Link %q", res.StatusCode, res.Header.Get("Link"))
	}
	code, m := f.api(f.tAuditor, "GET", "/api/v1/reviews?page=2", nil)
	if q, _ := m["queue"].([]any); code != 200 || len(q) != 1 || q[0].(map[string]any)["title"] != "提出 100" {
		t.Fatalf("API page 2: %d queue %v", code, m["queue"])
	}
	res, _ = f.send(nil, "GET", "/api/v1/reviews?page=2", nil, map[string]string{"Authorization": "Bearer " + f.tAuditor})
	if res.Header.Get("Link") != "" {
		t.Errorf("last API page names a next one: %q", res.Header.Get("Link"))
	}

	// Tasks and the assessments page list the longest waiting and point to
	// /reviews for the rest.
	doc = f.rvPage(auditor, "/tasks", 200)
	if n := tid(doc, "task-review").Length(); n != 50 || tid(doc, "more-reviews").Length() != 1 {
		t.Errorf("tasks: %d reviews, more link %d", n, tid(doc, "more-reviews").Length())
	}
	code, m = f.api(f.tAuditor, "GET", "/api/v1/tasks", nil)
	if code != 200 || m["more_reviews"] != true {
		t.Errorf("API tasks: %d more_reviews %v", code, m["more_reviews"])
	}
	doc = f.rvPage(auditor, "/assessments", 200)
	if n := tid(doc, "waiting-review").Length(); n != 10 || tid(doc, "waiting-more").Length() != 1 {
		t.Errorf("waiting: %d reviews, more link %d", n, tid(doc, "waiting-more").Length())
	}
	// An officer's tasks have no reviews and no link.
	if doc := f.rvPage(f.login(f.officer), "/tasks", 200); tid(doc, "more-reviews").Length() != 0 {
		t.Errorf("an officer's tasks point to reviews")
	}
}
