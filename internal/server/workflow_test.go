package server_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/web/i18n"
)

// TestSubsidiaryReviewedByHolding: a factory with no auditor of its own
// submits; the holding's auditor finds it in the queue, sees who reviews it
// on the overview and approves it; an organisation nobody reviews is named
// on the overview and on /admin/orgs.
func TestSubsidiaryReviewedByHolding(t *testing.T) {
	f := newRvFix(t)
	factory := f.env.org("九州工場", &f.org.ID)
	lone := f.env.org("単独株式会社", nil)
	factoryOfficer := f.user(factory.ID, assessment.Officer, false)
	loneOfficer := f.user(lone.ID, assessment.Officer, false)
	admin := f.user(lone.ID, assessment.Manager, true)
	a := f.answeredBy(factoryOfficer, "九州工場 2026年度")
	rv := "/assessments/" + a.ID
	f.rvPost(f.login(factoryOfficer), rv+"/submit", nil, 303, rv)

	auditor := f.login(f.auditor)
	queue := f.rvPage(auditor, "/reviews", 200)
	if !strings.Contains(queue.Text(), "九州工場 2026年度") {
		t.Fatalf("the holding's auditor's queue lacks the factory's submission: %s", squash(queue.Text()))
	}
	doc := f.rvPage(f.login(factoryOfficer), rv, 200)
	if got := squash(tid(doc, "reviewers").Text()); got != "レビュー担当: "+f.auditor.Name {
		t.Errorf("overview reviewers = %q", got)
	}
	if code, body := f.api(f.tAuditor, "POST", "/api/v1/assessments/"+a.ID+"/approve", map[string]any{"comment": "確認しました"}); code != 200 {
		t.Fatalf("approve by the holding's auditor: %d %v", code, body)
	}

	// Once the factory has an auditor of its own, the holding's no longer
	// reviews it.
	own := f.user(factory.ID, assessment.Auditor, false)
	if code, _ := f.api(f.tAuditor, "GET", "/api/v1/assessments/"+a.ID, nil); code != 404 {
		t.Errorf("holding's auditor after the factory got its own: %d, want 404", code)
	}
	doc = f.rvPage(f.login(factoryOfficer), rv, 200)
	if got := squash(tid(doc, "reviewers").Text()); got != "レビュー担当: "+own.Name {
		t.Errorf("overview reviewers with an own auditor = %q", got)
	}

	// Nobody reviews the lone company: its officers are told, and so is the
	// administrator.
	la := f.answeredBy(loneOfficer, "単独 2026年度")
	doc = f.rvPage(f.login(loneOfficer), "/assessments/"+la.ID, 200)
	if tid(doc, "no-reviewer").Length() != 1 || tid(doc, "reviewers").Length() != 0 {
		t.Errorf("overview of an unreviewed organisation lacks the warning")
	}
	doc = f.rvPage(f.login(admin), "/admin/orgs", 200)
	var names []string
	tid(doc, "unreviewed-org").Each(func(_ int, s *goquery.Selection) { names = append(names, s.Text()) })
	if !slices.Contains(names, "単独株式会社") || slices.Contains(names, "九州工場") || slices.Contains(names, "レビュー株式会社") {
		t.Errorf("/admin/orgs unreviewed = %v", names)
	}
}

// TestReviewLevelTrailAndFilters: on a reassessment's review, each question
// shows last time's level, this time's and the target level, with the gap
// when below it; the filters narrow the questions without JavaScript.
func TestReviewLevelTrailAndFilters(t *testing.T) {
	f := newRvFix(t)
	last := f.submitted("2025年度")
	if code, body := f.api(f.tAuditor, "POST", "/api/v1/assessments/"+last.ID+"/approve", map[string]any{"acknowledge_open_marks": true}); code != 200 {
		t.Fatalf("approve: %d %v", code, body)
	}
	if code, body := f.api(f.tManager, "PUT", "/api/v1/orgs/"+f.org.ID+"/targets", map[string]any{"targets": map[string]int{"1-1": 3, "1-2": 4}}); code != 200 {
		t.Fatalf("targets: %d %v", code, body)
	}
	code, body := f.api(f.tOfficer, "POST", "/api/v1/assessments", map[string]any{"title": "2026年度", "copy_from": last.ID})
	if code != 201 {
		t.Fatalf("copy: %d %v", code, body)
	}
	id := body["id"].(string)
	var rows []store.ImportRow
	for _, q := range checklist.Default().QuestionIDs() {
		lv := map[string]int{"1-1": 4, "1-2": 2}[q]
		if lv == 0 {
			lv = 3
		}
		comment := "運用中"
		if q == "3-1" {
			comment = ""
		}
		rows = append(rows, store.ImportRow{QuestionID: q, Level: &lv, Comment: comment})
	}
	if _, err := f.st.ImportAnswers(context.Background(), id, rows, store.Actor{UserID: f.officer.ID, Email: f.officer.Email}); err != nil {
		t.Fatal(err)
	}
	if code, body := f.api(f.tOfficer, "POST", "/api/v1/assessments/"+id+"/submit", nil); code != 200 {
		t.Fatalf("submit: %d %v", code, body)
	}
	if code, body := f.api(f.tAuditor, "PUT", "/api/v1/assessments/"+id+"/marks/1-1", map[string]any{"mark": "needs_attention"}); code != 200 {
		t.Fatalf("mark: %d %v", code, body)
	}
	auditor := f.login(f.auditor)
	rv := "/assessments/" + id + "/review"
	doc := f.rvPage(auditor, rv, 200)
	if got := squash(tid(doc, "level-trail-1-1").Text()); got != "前回 3 → 今回 4 / 望まれる水準 3" {
		t.Errorf("1-1 trail = %q", got)
	}
	if got := squash(tid(doc, "level-trail-1-2").Text()); got != "前回 3 → 今回 2 / 望まれる水準 4 望まれる水準まで あと 2" {
		t.Errorf("1-2 trail = %q", got)
	}
	if tid(doc, "below-1-1").Length() != 0 {
		t.Error("1-1 (above its target) is flagged as below")
	}
	if n := doc.Find(`article[data-testid^="review-q-"]`).Length(); n != 27 {
		t.Errorf("unfiltered page shows %d questions", n)
	}
	doc = f.rvPage(auditor, rv+"?show=attention", 200)
	if n := doc.Find(`article[data-testid^="review-q-"]`).Length(); n != 1 || tid(doc, "review-q-1-1").Length() != 1 {
		t.Errorf("attention filter shows %d questions", n)
	}
	if got := tid(doc, "filter-attention").AttrOr("aria-current", ""); got != "true" {
		t.Errorf("the selected filter is not marked current: %q", got)
	}
	doc = f.rvPage(auditor, rv+"?show=below", 200)
	if tid(doc, "review-q-1-2").Length() != 1 || tid(doc, "review-q-1-1").Length() != 0 {
		t.Error("below-target filter shows the wrong questions")
	}
	doc = f.rvPage(auditor, rv+"?show=changed", 200)
	if tid(doc, "filter-empty").Length() != 1 || doc.Find(`article[data-testid^="review-q-"]`).Length() != 0 {
		t.Error("changed filter on a first submission is not empty")
	}
	doc = f.rvPage(auditor, rv+"?show=no_evidence", 200)
	if n := doc.Find(`article[data-testid^="review-q-"]`).Length(); n != 1 || tid(doc, "review-q-3-1").Length() != 1 {
		t.Errorf("no-evidence filter shows %d questions", n)
	}
	// The decision forms stay whatever the filter.
	if tid(doc, "approve-form").Length() != 1 {
		t.Error("no approval form on a filtered page")
	}
}

// TestReturnedOverview: the overview of a returned assessment shows the
// auditor's comment and links every flagged question; resubmitting while a
// flagged question is untouched asks first, naming it.
func TestReturnedOverview(t *testing.T) {
	f := newRvFix(t)
	a := f.submitted("2026年度")
	base := "/api/v1/assessments/" + a.ID
	for _, q := range []string{"1-1", "2-1"} {
		if code, body := f.api(f.tAuditor, "PUT", base+"/marks/"+q, map[string]any{"mark": "needs_attention"}); code != 200 {
			t.Fatalf("mark: %d %v", code, body)
		}
	}
	if code, body := f.api(f.tAuditor, "POST", base+"/return", map[string]any{"comment": "1-1 と 2-1 の根拠を補ってください。"}); code != 200 {
		t.Fatalf("return: %d %v", code, body)
	}
	officer := f.login(f.officer)
	ov := "/assessments/" + a.ID
	doc := f.rvPage(officer, ov, 200)
	banner := tid(doc, "return-banner")
	if got := squash(banner.Find(`[data-testid="return-comment"]`).Text()); got != "1-1 と 2-1 の根拠を補ってください。" {
		t.Fatalf("return comment on the overview = %q (banner %q)", got, squash(banner.Text()))
	}
	if !strings.Contains(banner.Text(), f.auditor.Name+" さんが差し戻しました") {
		t.Errorf("banner does not say who returned it: %q", squash(banner.Text()))
	}
	for _, q := range []string{"1-1", "2-1"} {
		link := banner.Find(`[data-testid="flagged-` + q + `"]`)
		if href, _ := link.Attr("href"); href != ov+"/categories/"+q[:1]+"#q-"+q {
			t.Errorf("flagged %s links to %q", q, href)
		}
		if title, _ := link.Attr("title"); title == "" || !strings.HasPrefix(squash(link.Text()), q+" ") {
			t.Errorf("flagged %s label %q title %q", q, link.Text(), title)
		}
	}
	// The officer fixes 1-1 and leaves 2-1 as it was.
	f.rvPost(officer, ov+"/answers/1-1", url.Values{"level": {"4"}, "comment": {"規程を改訂"}, "version": {"1"}}, 303, "")
	doc = f.rvPost(officer, ov+"/submit", nil, 422, "")
	c := tid(doc, "confirm-resubmit")
	if c.Length() != 1 || !strings.Contains(c.Text(), "2-1") || strings.Contains(c.Text(), "1-1 ") {
		t.Fatalf("resubmission confirmation: %q", squash(c.Text()))
	}
	if s := f.status(a.ID); s != assessment.Returned {
		t.Fatalf("status %s after an unconfirmed resubmission", s)
	}
	f.rvPost(officer, ov+"/submit", url.Values{"confirm_unaddressed": {"1"}}, 303, ov)
	if s := f.status(a.ID); s != assessment.Submitted {
		t.Fatalf("status %s after a confirmed resubmission", s)
	}
}

// TestConfirmCategory: a reassessment counts only confirmed answers as
// progress, says 「未確認 n」 on the category tabs, and confirms a category
// in one action (page and API).
func TestConfirmCategory(t *testing.T) {
	f := newRvFix(t)
	last := f.answered("2025年度")
	code, body := f.api(f.tOfficer, "POST", "/api/v1/assessments", map[string]any{"title": "2026年度", "copy_from": last.ID})
	if code != 201 {
		t.Fatalf("copy: %d %v", code, body)
	}
	id := body["id"].(string)
	officer := f.login(f.officer)
	doc := f.rvPage(officer, "/assessments", 200)
	row := doc.Find(`[data-testid="assessment-row"]`).FilterFunction(func(_ int, s *goquery.Selection) bool { return strings.Contains(s.Text(), "2026年度") })
	if got := squash(row.Find("progress").Parent().Text()); !strings.Contains(got, "0/27") || !strings.Contains(got, "未確認 27") {
		t.Errorf("list progress of a fresh copy: %q", got)
	}
	// The officer changes 1-2, then confirms category 1 in one action.
	f.rvPost(officer, "/assessments/"+id+"/answers/1-2", url.Values{"level": {"4"}, "comment": {"改善"}, "version": {"1"}}, 303, "")
	doc = f.rvPage(officer, "/assessments/"+id+"/categories/1", 200)
	tabs := squash(doc.Find(".category-nav").Text())
	if !strings.Contains(tabs, "大項目1 (1/8) 未確認 7") || !strings.Contains(tabs, "大項目2 (0/4) 未確認 4") {
		t.Errorf("category tabs: %q", tabs)
	}
	if got := squash(tid(doc, "confirm-row-1-2").Text()); !strings.Contains(got, "変更あり 3 → 4") {
		t.Errorf("changed row: %q", got)
	}
	if got := squash(tid(doc, "confirm-category-submit").Text()); got != "この大項目の未確認 7件をまとめて確認する" {
		t.Errorf("confirm button: %q", got)
	}
	f.rvPost(officer, "/assessments/"+id+"/categories/1/confirm", nil, 303, "/assessments/"+id+"/categories/1")
	doc = f.rvPage(officer, "/assessments/"+id, 200)
	table := squash(tid(doc, "category-table").Text())
	if !strings.Contains(table, "8/8") || !strings.Contains(table, "0/4 未確認 4") {
		t.Errorf("overview after confirming category 1: %q", table)
	}
	// The API confirms category 2 and says which.
	code, body = f.api(f.tOfficer, "POST", "/api/v1/assessments/"+id+"/categories/2/confirm", nil)
	if code != 200 || fmt.Sprint(body["confirmed"]) != "[2-1 2-2 2-3 2-4]" {
		t.Fatalf("API confirm: %d %v", code, body)
	}
	code, body = f.api(f.tOfficer, "POST", "/api/v1/assessments/"+id+"/categories/2/confirm", nil)
	if code != 200 || fmt.Sprint(body["confirmed"]) != "[]" {
		t.Fatalf("API confirm again: %d %v", code, body)
	}
	if code, _ := f.api(f.tOfficer, "POST", "/api/v1/assessments/"+id+"/categories/9/confirm", nil); code != 404 {
		t.Errorf("unknown category: %d", code)
	}
	if code, _ := f.api(f.tAuditor, "POST", "/api/v1/assessments/"+id+"/categories/3/confirm", nil); code != 403 {
		t.Errorf("auditor confirming: %d", code)
	}
	// Every confirmation is its own entry in the trail.
	code, body = f.api(f.tOfficer, "GET", "/api/v1/assessments/"+id+"/audit", nil)
	n := 0
	for _, e := range body["entries"].([]any) {
		if e.(map[string]any)["action"] == "answer.confirmed" {
			n++
		}
	}
	if code != 200 || n != 11 {
		t.Errorf("%d answer.confirmed entries, want 11 (7 + 4)", n)
	}
}

// TestWithdraw: the officers take a submission back with a reason while no
// auditor has acted; once one has marked a question, it is too late (409),
// and the page says so.
func TestWithdraw(t *testing.T) {
	f := newRvFix(t)
	a := f.submitted("2026年度")
	base := "/api/v1/assessments/" + a.ID
	if code, body := f.api(f.tOfficer, "POST", base+"/withdraw", map[string]any{"reason": ""}); code != 422 {
		t.Errorf("withdraw without a reason: %d %v", code, body)
	}
	if code, body := f.api(f.tAuditor, "POST", base+"/withdraw", map[string]any{"reason": "x"}); code != 403 {
		t.Errorf("auditor withdrawing: %d %v", code, body)
	}
	code, body := f.api(f.tOfficer, "POST", base+"/withdraw", map[string]any{"reason": "添付漏れがあったため"})
	if code != 200 || body["status"] != "draft" || body["submitted_at"] != nil {
		t.Fatalf("withdraw: %d %v", code, body)
	}
	if code, _ := f.api(f.tAuditor, "GET", "/api/v1/reviews", nil); code != 200 {
		t.Fatal("reviews")
	}
	_, rb := f.api(f.tAuditor, "GET", "/api/v1/reviews", nil)
	if q := rb["queue"].([]any); len(q) != 0 {
		t.Errorf("a withdrawn assessment is still in the queue: %v", q)
	}
	_, cb := f.api(f.tOfficer, "GET", base+"/comments", nil)
	if cs := cb["comments"].([]any); len(cs) != 1 || cs[0].(map[string]any)["body"] != "添付漏れがあったため" {
		t.Errorf("the reason is not in the general thread: %v", cs)
	}
	// Resubmitted; the auditor comments: too late.
	if code, body := f.api(f.tOfficer, "POST", base+"/submit", nil); code != 200 {
		t.Fatalf("resubmit: %d %v", code, body)
	}
	officer := f.login(f.officer)
	doc := f.rvPage(officer, "/assessments/"+a.ID, 200)
	if tid(doc, "withdraw-form").Length() != 1 {
		t.Fatal("no withdraw form on a fresh submission")
	}
	if code, body := f.api(f.tAuditor, "POST", base+"/comments", map[string]any{"body": "拝見します", "question_id": "1-1"}); code != 201 {
		t.Fatalf("comment: %d %v", code, body)
	}
	if code, body := f.api(f.tOfficer, "POST", base+"/withdraw", map[string]any{"reason": "やはり取り下げ"}); code != 409 {
		t.Errorf("withdraw after the auditor commented: %d %v", code, body)
	}
	doc = f.rvPage(officer, "/assessments/"+a.ID, 200)
	if tid(doc, "withdraw-form").Length() != 0 || tid(doc, "withdraw-closed").Length() != 1 {
		t.Error("the page still offers a withdrawal the server refuses")
	}
	doc = f.rvPost(officer, "/assessments/"+a.ID+"/withdraw", url.Values{"reason": {"やはり取り下げ"}}, 409, "")
	if got := squash(tid(doc, "withdraw-error").Text()); !strings.Contains(got, "取り下げできません") {
		t.Errorf("refused withdrawal: %q", got)
	}
	if s := f.status(a.ID); s != assessment.Submitted {
		t.Errorf("status %s", s)
	}
}

// TestAuditorFirstScreen: /reviews lists every organisation the auditor
// reviews with its latest assessment, drafts included, before anything is
// submitted; the API says the same.
func TestAuditorFirstScreen(t *testing.T) {
	f := newRvFix(t)
	factory := f.env.org("九州工場", &f.org.ID)
	d := f.answered("2026年度 本社")
	fo := f.user(factory.ID, assessment.Officer, false)
	f.answeredBy(fo, "2026年度 九州工場")
	doc := f.rvPage(f.login(f.auditor), "/reviews", 200)
	if tid(doc, "queue-empty").Length() != 1 {
		t.Fatal("something is in the queue")
	}
	rows := map[string]string{}
	tid(doc, "reviewed-org").Each(func(_ int, s *goquery.Selection) { rows[squash(s.Find("th").Text())] = squash(s.Text()) })
	if len(rows) != 2 || !strings.Contains(rows["レビュー株式会社"], "2026年度 本社下書き 27/27") || !strings.Contains(rows["九州工場"], "2026年度 九州工場下書き") {
		t.Errorf("reviewed organisations: %v", rows)
	}
	code, body := f.api(f.tAuditor, "GET", "/api/v1/reviews", nil)
	orgs, _ := body["orgs"].([]any)
	if code != 200 || len(orgs) != 2 {
		t.Fatalf("API orgs: %d %v", code, body)
	}
	var found bool
	for _, o := range orgs {
		if a, _ := o.(map[string]any)["assessment"].(map[string]any); a != nil && a["id"] == d.ID && a["status"] == "draft" {
			found = true
		}
	}
	if !found {
		t.Errorf("API orgs lack the draft: %v", orgs)
	}
}

// TestProvisionalReport: a draft's report is marked 暫定（未提出）, and a
// category with no answers shows 「—（未回答）」, never 0.00.
func TestProvisionalReport(t *testing.T) {
	f := newRvFix(t)
	a, err := f.st.CreateAssessment(context.Background(), store.NewAssessment{OrgID: f.org.ID, Title: "下書き", ChecklistID: checklist.Default().ID,
		Actor: store.Actor{UserID: f.officer.ID, Email: f.officer.Email}})
	if err != nil {
		t.Fatal(err)
	}
	f.rvPost(f.login(f.officer), "/assessments/"+a.ID+"/answers/1-1", url.Values{"level": {"4"}, "version": {"0"}}, 303, "")
	doc := f.rvPage(f.login(f.manager), "/assessments/"+a.ID+"/report", 200)
	if got := squash(tid(doc, "provisional").Text()); !strings.HasPrefix(got, "暫定（未提出）") {
		t.Errorf("provisional marker: %q", got)
	}
	if got := tid(doc, "cat-average-2").Text(); got != "—（未回答）" {
		t.Errorf("category 2 (no answers) average: %q", got)
	}
	if got := tid(doc, "cat-average-1").Text(); got != "4.00" {
		t.Errorf("category 1 average: %q", got)
	}
	f.rvPost(f.login(f.officer), "/assessments/"+a.ID+"/submit", nil, 422, "")
	for _, q := range checklist.Default().QuestionIDs()[1:] {
		f.rvPost(f.login(f.officer), "/assessments/"+a.ID+"/answers/"+q, url.Values{"level": {"3"}, "version": {"0"}}, 303, "")
	}
	f.rvPost(f.login(f.officer), "/assessments/"+a.ID+"/submit", nil, 303, "")
	doc = f.rvPage(f.login(f.manager), "/assessments/"+a.ID+"/report", 200)
	if tid(doc, "provisional").Length() != 0 {
		t.Error("a submitted assessment's report is marked provisional")
	}
}

// TestExecutiveSummary: the report's first page names who submitted and
// approved it and when, the total and its change, the risk group's meaning,
// the weakest categories and the first actions, worded as actions.
func TestExecutiveSummary(t *testing.T) {
	f := newRvFix(t)
	last := f.submitted("2025年度")
	if code, body := f.api(f.tAuditor, "POST", "/api/v1/assessments/"+last.ID+"/approve", map[string]any{"acknowledge_open_marks": true}); code != 200 {
		t.Fatalf("approve: %d %v", code, body)
	}
	code, body := f.api(f.tOfficer, "POST", "/api/v1/assessments", map[string]any{"title": "2026年度", "copy_from": last.ID})
	if code != 201 {
		t.Fatalf("copy: %d %v", code, body)
	}
	id := body["id"].(string)
	var rows []store.ImportRow
	for _, q := range checklist.Default().QuestionIDs() {
		lv := map[string]int{"3-3": 1, "3-4": 2}[q]
		if lv == 0 {
			lv = 4
		}
		rows = append(rows, store.ImportRow{QuestionID: q, Level: &lv, Comment: "運用中"})
	}
	if _, err := f.st.ImportAnswers(context.Background(), id, rows, store.Actor{UserID: f.officer.ID, Email: f.officer.Email}); err != nil {
		t.Fatal(err)
	}
	if code, body := f.api(f.tOfficer, "POST", "/api/v1/assessments/"+id+"/submit", nil); code != 200 {
		t.Fatalf("submit: %d %v", code, body)
	}
	if code, body := f.api(f.tAuditor, "POST", "/api/v1/assessments/"+id+"/approve", map[string]any{"acknowledge_open_marks": true}); code != 200 {
		t.Fatalf("approve: %d %v", code, body)
	}
	doc := f.rvPage(f.login(f.manager), "/assessments/"+id+"/report", 200)
	ex := tid(doc, "exec-summary")
	get := func(id string) string { return squash(ex.Find(`[data-testid="` + id + `"]`).Text()) }
	today := time.Now().In(i18n.JST).Format("2006-01-02")
	if got := get("exec-submitted"); got != f.officer.Name+"（"+today+"）" {
		t.Errorf("submitted: %q", got)
	}
	if got := get("exec-approved"); got != f.auditor.Name+"（"+today+"）" {
		t.Errorf("approved: %q", got)
	}
	if got := get("exec-printed"); got != today {
		t.Errorf("printed: %q", got)
	}
	// 25 × 4 + 1 + 2 = 103, against 27 × 3 = 81 last time.
	if got := get("exec-total"); got != "103 / 135" {
		t.Errorf("total: %q", got)
	}
	if got := get("exec-change"); got != "前回（2025年度）の 81 点から +22 点" {
		t.Errorf("change: %q", got)
	}
	if got := ex.Find(`[data-testid="exec-weakest"] li`).First().Text(); !strings.HasPrefix(squash(got), "大項目3") {
		t.Errorf("weakest first: %q", got)
	}
	first := squash(ex.Find(`[data-testid="exec-actions"] li`).First().Text())
	q33, _ := checklist.Default().Question("3-3")
	if !strings.HasPrefix(first, q33.Action) || strings.Contains(first, "か。") {
		t.Errorf("first action: %q, want it to start with %q", first, q33.Action)
	}
	if n := ex.Find(`[data-testid="exec-actions"] li`).Length(); n > 5 {
		t.Errorf("%d actions on the first page", n)
	}
	if got := tid(doc, "rec-action-3-3").Text(); got != q33.Action {
		t.Errorf("recommendation worded as %q", got)
	}
	if tid(doc, "print-button").Length() != 1 {
		t.Error("no print button")
	}
}

// TestHistoryNamesPeopleAndPoints: the history shows who acted by name (the
// email as the tooltip) and key points by their shortened text (the id as
// the tooltip), not bare ids.
func TestHistoryNamesPeopleAndPoints(t *testing.T) {
	f := newRvFix(t)
	a, err := f.st.CreateAssessment(context.Background(), store.NewAssessment{OrgID: f.org.ID, Title: "履歴", ChecklistID: checklist.Default().ID,
		Actor: store.Actor{UserID: f.officer.ID, Email: f.officer.Email}})
	if err != nil {
		t.Fatal(err)
	}
	officer := f.login(f.officer)
	f.rvPost(officer, "/assessments/"+a.ID+"/answers/1-1", url.Values{"level": {"3"}, "points": {"1-1-1", "1-1-2"}, "version": {"0"}}, 303, "")
	doc := f.rvPage(f.login(f.manager), "/assessments/"+a.ID+"/history", 200)
	row := doc.Find(`[data-testid="audit-row"][data-action="answer.saved"]`).First()
	actor := row.Find("td.small[title]")
	if squash(actor.Text()) != f.officer.Name || actor.AttrOr("title", "") != f.officer.Email {
		t.Errorf("actor shown as %q (title %q)", squash(actor.Text()), actor.AttrOr("title", ""))
	}
	pt := row.Find(`abbr[data-point="1-1-1"]`)
	q, _ := checklist.Default().Question("1-1")
	want := []rune(q.Points[0].Text)
	if pt.Length() != 1 || pt.AttrOr("title", "") != "1-1-1" || !strings.HasPrefix(q.Points[0].Text, strings.TrimSuffix(pt.Text(), "…")) || len([]rune(pt.Text())) > 21 || len(want) < 3 {
		t.Errorf("key point shown as %q (title %q)", pt.Text(), pt.AttrOr("title", ""))
	}
}
