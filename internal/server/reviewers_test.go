package server_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"mamori/internal/assessment"
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
