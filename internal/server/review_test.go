package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"mamori/internal/assessment"
)

// rvPage fetches a page and parses it.
func (f *rvFix) rvPage(c *http.Client, path string, want int) *goquery.Document {
	f.t.Helper()
	res, body := f.get(c, path)
	if res.StatusCode != want {
		f.t.Fatalf("GET %s: %d, want %d", path, res.StatusCode, want)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	return doc
}

// rvPost posts a form and checks the status (and, for a redirect, where).
func (f *rvFix) rvPost(c *http.Client, path string, v url.Values, want int, location string) *goquery.Document {
	f.t.Helper()
	res := f.postForm(c, path, v)
	if res.StatusCode != want {
		f.t.Fatalf("POST %s %v: %d, want %d", path, v, res.StatusCode, want)
	}
	if location != "" && res.Header.Get("Location") != location {
		f.t.Fatalf("POST %s: redirected to %q, want %q", path, res.Header.Get("Location"), location)
	}
	doc, err := goquery.NewDocumentFromReader(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return doc
}

func tid(doc *goquery.Document, id string) *goquery.Selection {
	return doc.Find(`[data-testid="` + id + `"]`)
}

func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestReviewLoopPages runs the whole loop with plain form posts (no
// JavaScript): submit → return with comments and marks → the officers see
// what needs attention, reply and fix → resubmit → approve → reopen.
func TestReviewLoopPages(t *testing.T) {
	f := newRvFix(t)
	officer, auditor, manager, outsider := f.login(f.officer), f.login(f.auditor), f.login(f.manager), f.login(f.outsider)
	a := f.answered("2026年度 自己評価")
	rv := "/assessments/" + a.ID

	f.rvPost(officer, rv+"/submit", nil, 303, rv)

	// The auditor's queue.
	doc := f.rvPage(auditor, "/reviews", 200)
	if rows := tid(doc, "queue-row"); rows.Length() != 1 || !strings.Contains(rows.Text(), a.Title) || !strings.Contains(rows.Text(), f.org.Name) || !strings.Contains(rows.Text(), f.officer.Name) {
		t.Fatalf("queue: %q", squash(tid(doc, "review-queue").Text()))
	}
	doc = f.rvPage(auditor, "/assessments", 200)
	if w := tid(doc, "waiting-review"); w.Length() != 1 || !strings.Contains(w.Text(), a.Title) {
		t.Fatalf("auditor's waiting box: %q", squash(tid(doc, "waiting").Text()))
	}

	// Review: every question with the officer's answer, marks, decision.
	doc = f.rvPage(auditor, rv+"/review", 200)
	if n := doc.Find("article.review-q").Length(); n != 27 {
		t.Fatalf("%d questions on the review page", n)
	}
	if got := squash(tid(doc, "review-level-1-1").Text()); !strings.HasPrefix(got, "3.") {
		t.Fatalf("level of 1-1: %q", got)
	}
	for _, id := range []string{"report-summary", "mark-form-1-1", "approve-form", "return-form", "thread-general"} {
		if tid(doc, id).Length() == 0 {
			t.Fatalf("review page lacks %s", id)
		}
	}
	if tid(doc, "reopen-form").Length() != 0 {
		t.Fatal("reopen offered for a submitted assessment")
	}

	f.rvPost(auditor, rv+"/marks/1-1", url.Values{"mark": {"needs_attention"}}, 303, rv+"/review#rq-1-1")
	f.rvPost(auditor, rv+"/marks/1-2", url.Values{"mark": {"ok"}}, 303, "")
	f.rvPost(auditor, rv+"/marks/1-1", url.Values{"mark": {"bogus"}}, 422, "")
	f.rvPost(auditor, rv+"/comments", url.Values{"question_id": {"1-1"}, "body": {"規程の名称と改訂日を書いてください。"}, "from": {"review"}}, 303, rv+"/review#thread-1-1")
	doc = f.rvPost(auditor, rv+"/comments", url.Values{"question_id": {"1-1"}, "body": {"   "}, "from": {"review"}}, 422, "")
	if tid(doc, "thread-1-1").Find(".field-error").Length() != 1 {
		t.Fatal("a refused comment is not explained beside its thread")
	}
	doc = f.rvPage(auditor, rv+"/review", 200)
	if got := squash(tid(doc, "mark-1-1").Text()); got != "要対応" {
		t.Fatalf("mark of 1-1: %q", got)
	}
	if c := tid(doc, "thread-1-1").Find(`[data-testid="comment"]`); c.Length() != 1 || !strings.Contains(c.Text(), "改訂日") || !strings.Contains(c.Text(), f.auditor.Name) {
		t.Fatalf("thread of 1-1: %q", squash(tid(doc, "thread-1-1").Text()))
	}
	if got := squash(tid(doc, "review-status").Text()); !strings.Contains(got, "問題なし 1件 ・ 要対応 1件 ・ 未確認 25件") {
		t.Fatalf("review status: %q", got)
	}

	// Return: a comment is required (422 keeps the page), then it works.
	doc = f.rvPost(auditor, rv+"/return", url.Values{"comment": {" "}}, 422, "")
	if tid(doc, "decision-error").Length() != 1 {
		t.Fatal("no decision error on a return without comment")
	}
	f.rvPost(auditor, rv+"/return", url.Values{"comment": {"1-1 を見直してください。"}}, 303, rv+"/review")
	if s := f.status(a.ID); s != assessment.Returned {
		t.Fatalf("status %s after return", s)
	}

	// The officer: returned on top, with what needs attention.
	doc = f.rvPage(officer, "/assessments", 200)
	if w := tid(doc, "waiting-returned"); w.Length() != 1 || !strings.Contains(w.Text(), "要対応 1件") {
		t.Fatalf("officer's waiting box: %q", squash(tid(doc, "waiting").Text()))
	}
	doc = f.rvPage(officer, rv+"/categories/1", 200)
	q11 := tid(doc, "question-1-1")
	if !q11.HasClass("attention") || q11.Find(`[data-testid="attention-marker"]`).Length() != 1 {
		t.Fatal("1-1 is not highlighted on the category page")
	}
	if th := tid(doc, "thread-1-1"); !strings.Contains(th.Text(), "改訂日") || tid(doc, "comment-form-thread-1-1").Length() != 1 {
		t.Fatalf("the auditor's comment or the reply form is missing beside 1-1: %q", squash(th.Text()))
	}
	if tid(doc, "question-1-2").HasClass("attention") {
		t.Fatal("1-2 (ok) is highlighted")
	}
	f.rvPost(officer, rv+"/comments", url.Values{"question_id": {"1-1"}, "body": {"情報セキュリティ規程（2025年4月改訂）です。"}, "from": {"category"}}, 303, rv+"/categories/1#thread-1-1")
	doc = f.rvPost(officer, rv+"/comments", url.Values{"question_id": {"1-1"}, "body": {""}, "from": {"category"}}, 422, "")
	if tid(doc, "thread-1-1").Find(".field-error").Length() != 1 || tid(doc, "question-1-1").Length() != 1 {
		t.Fatal("a refused reply does not show the category page again with its message")
	}
	f.rvPost(officer, rv+"/answers/1-1", url.Values{"level": {"4"}, "comment": {"情報セキュリティ規程（2025年4月改訂）"}, "version": {"1"}}, 303, "")
	f.rvPost(officer, rv+"/submit", nil, 303, rv)

	// Second round: the auditor sees what changed.
	doc = f.rvPage(auditor, rv+"/review", 200)
	if tid(doc, "changed-1-1").Length() != 1 || tid(doc, "changed-1-2").Length() != 0 || tid(doc, "round").Length() != 1 {
		t.Fatalf("changes since the last submission: %q", squash(tid(doc, "review-status").Text()))
	}
	f.rvPost(auditor, rv+"/marks/1-1", url.Values{"mark": {"ok"}}, 303, "")
	f.rvPost(auditor, rv+"/marks/2-1", url.Values{"mark": {"needs_attention"}}, 303, "")
	// Approving over a finding and 24 questions nobody marked: the page
	// names them and asks again, keeping the comment.
	doc = f.rvPost(auditor, rv+"/approve", url.Values{"comment": {"承認します"}}, 422, "")
	c := tid(doc, "confirm-approval")
	if got := squash(c.Find(`[data-testid="confirm-attention"]`).Text()); got != "2-1" {
		t.Fatalf("confirmation names the findings %q", got)
	}
	if n := c.Find(`[data-testid="confirm-unviewed"]`).Find("li").Length(); n != 24 || !strings.Contains(c.Text(), "まだ確認していない設問 24件") {
		t.Fatalf("confirmation names %d unviewed questions: %q", n, squash(c.Text()))
	}
	if got := c.Find("textarea").Text(); got != "承認します" {
		t.Fatalf("the comment is not kept: %q", got)
	}
	if s := f.status(a.ID); s != assessment.Submitted {
		t.Fatalf("status %s after an unconfirmed approval", s)
	}
	f.rvPost(auditor, rv+"/approve", url.Values{"comment": {"承認します"}, "acknowledge_open_marks": {"1"}}, 303, rv+"/review")
	if s := f.status(a.ID); s != assessment.Approved {
		t.Fatalf("status %s after approval", s)
	}
	doc = f.rvPage(auditor, rv+"/review", 200)
	if tid(doc, "reopen-form").Length() != 1 || tid(doc, "approve-form").Length() != 0 || tid(doc, "mark-form-1-1").Length() != 0 {
		t.Fatal("an approved assessment offers the wrong decisions")
	}
	f.rvPost(auditor, rv+"/reopen", url.Values{"reason": {""}}, 422, "")
	f.rvPost(auditor, rv+"/reopen", url.Values{"reason": {"証跡の不足が判明したため"}}, 303, rv+"/review")
	if s := f.status(a.ID); s != assessment.Returned {
		t.Fatalf("status %s after reopening", s)
	}
	doc = f.rvPage(auditor, "/reviews", 200)
	if rows := tid(doc, "decision-row"); rows.Length() != 3 || !strings.Contains(rows.First().Text(), "承認の取り消し") {
		t.Fatalf("recent decisions: %q", squash(tid(doc, "recent-decisions").Text()))
	}

	// History: the submissions' differences and the trail.
	doc = f.rvPage(officer, rv+"/history", 200)
	if d := tid(doc, "diff-q-1-1"); d.Length() != 1 || !strings.Contains(squash(d.Text()), "成熟度: 3 → 4") {
		t.Fatalf("diff of 1-1: %q", squash(tid(doc, "submissions").Text()))
	}
	if tid(doc, "diff-q-1-2").Length() != 0 {
		t.Fatal("1-2 listed as changed")
	}
	var actions []string
	tid(doc, "audit-row").Each(func(_ int, s *goquery.Selection) { actions = append(actions, s.AttrOr("data-action", "")) })
	trail := strings.Join(actions, ",")
	for _, want := range []string{"assessment.reopen", "assessment.approve", "assessment.return", "review.marked", "comment.added", "answer.saved", "assessment.created"} {
		if !strings.Contains(trail, want) {
			t.Fatalf("history lacks %s: %s", want, trail)
		}
	}
	if !strings.HasPrefix(trail, "assessment.reopen,") || !strings.HasSuffix(trail, "assessment.created") {
		t.Fatalf("history not newest first: %s", trail)
	}
	if got := squash(doc.Find(`tr[data-action="assessment.return"]`).First().Text()); !strings.Contains(got, "提出済み → 差し戻し") || !strings.Contains(got, "1-1 を見直してください。") {
		t.Fatalf("return row: %q", got)
	}

	// Managers read, never act.
	doc = f.rvPage(manager, rv+"/review", 200)
	if tid(doc, "decision").Length() != 0 || tid(doc, "comment-form-thread-1-1").Length() != 0 {
		t.Fatal("the manager is offered actions")
	}
	f.rvPost(manager, rv+"/comments", url.Values{"question_id": {"1-1"}, "body": {"x"}, "from": {"review"}}, 403, "")
	f.rvPost(manager, rv+"/reopen", url.Values{"reason": {"x"}}, 403, "")
	f.rvPage(manager, rv+"/history", 200)

	// An auditor of other organisations sees nothing of this one.
	for _, p := range []string{rv + "/review", rv + "/history", rv, rv + "/categories/1"} {
		f.rvPage(outsider, p, 404)
	}
	for _, p := range []string{"/return", "/approve", "/reopen", "/comments", "/marks/1-1"} {
		f.rvPost(outsider, rv+p, url.Values{"comment": {"x"}, "reason": {"x"}, "body": {"x"}, "mark": {"ok"}}, 404, "")
	}
	doc = f.rvPage(outsider, "/reviews", 200)
	if strings.Contains(doc.Text(), a.Title) {
		t.Fatal("the outsider's review page mentions the assessment")
	}
	f.rvPage(officer, "/reviews", 403)
}

// TestDecisionConflictPage: the second auditor's form post, made on a stale
// page, answers 409 and says who decided.
func TestDecisionConflictPage(t *testing.T) {
	f := newRvFix(t)
	second := f.user(f.auditor.OrgID, assessment.Auditor, false)
	f.assign(second, f.org)
	a := f.submitted("競合")
	rv := "/assessments/" + a.ID
	first, other := f.login(f.auditor), f.login(second)
	f.rvPage(other, rv+"/review", 200)
	f.rvPost(first, rv+"/approve", url.Values{"acknowledge_open_marks": {"1"}}, 303, "")
	doc := f.rvPost(other, rv+"/return", url.Values{"comment": {"差し戻し"}}, 409, "")
	if got := squash(tid(doc, "conflict").Text()); !strings.Contains(got, f.auditor.Name) || !strings.Contains(got, "承認") {
		t.Fatalf("conflict message: %q", got)
	}
	doc = f.rvPost(other, rv+"/marks/1-1", url.Values{"mark": {"ok"}}, 409, "")
	if tid(doc, "conflict").Length() != 1 {
		t.Fatal("a stale mark is not explained")
	}
}
