package views

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/policy"
	"mamori/internal/score"
	"mamori/internal/store"
	"mamori/web/i18n"
)

// Rendering benchmarks for the two pages an officer sees most: a category
// of the questionnaire and the diagnosis report, with realistic data (every
// question answered with comments and key points, a previous assessment,
// a few others). The load harness (internal/loadtest) measures the same
// pages end to end; these isolate the templates. Run:
//
//	go test ./web/views -run '^$' -bench Render -benchmem

var benchUser = &policy.Principal{UserID: "u1", Email: "officer@example.jp", Name: "担当 花子", OrgID: "o1",
	Role: assessment.Officer, Visible: map[string]bool{"o1": true}}

func benchAnswers(cl *checklist.Checklist, shift int) map[string]store.Answer {
	m := map[string]store.Answer{}
	at := time.Date(2026, 4, 1, 9, 30, 0, 0, time.UTC)
	for i, id := range cl.QuestionIDs() {
		q, _ := cl.Question(id)
		lv := 1 + (i+shift)%5
		pts := []string{}
		for _, p := range q.Points[:min(len(q.Points), lv-1)] {
			pts = append(pts, p.ID)
		}
		m[id] = store.Answer{QuestionID: id, Level: &lv, PointsMet: pts, Version: 3, UpdatedAt: at,
			Comment: fmt.Sprintf("手順書 %d 版を整備済み。年次で見直し、結果を経営層に報告している。", i+1), UpdatedBy: "u1", UpdatedByName: "担当 花子"}
	}
	return m
}

func benchAssessment(id string, st assessment.Status, created time.Time) store.Assessment {
	return store.Assessment{ID: id, OrgID: "o1", OrgName: "株式会社サンプル", Title: "2026年度 上期", ChecklistID: checklist.Default().ID,
		Status: st, CreatedAt: created, UpdatedAt: created.Add(24 * time.Hour), UpdatedByName: "担当 花子", Answered: 27}
}

func benchCtx() context.Context { return i18n.WithLang(context.Background(), "ja") }

func BenchmarkRenderCategoryPage(b *testing.B) {
	cl := checklist.Default()
	cat := &cl.Categories[1]
	d := CategoryData{A: benchAssessment("a1", assessment.Draft, time.Now()), Checklist: cl, Category: cat,
		Answers: benchAnswers(cl, 0), Editable: true, Prev: &cl.Categories[0], Next: &cl.Categories[2],
		Pending: map[string]QuestionState{}}
	p := Page{Title: "カテゴリ 2 2026年度 上期", User: benchUser, Path: "/assessments/a1/categories/" + cat.ID, Nav: "assessments"}
	ctx := benchCtx()
	b.ReportAllocs()
	for b.Loop() {
		if err := CategoryPage(p, d).Render(ctx, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderReportPage(b *testing.B) {
	cl := checklist.Default()
	cats := store.ScoreChecklist(cl, false)
	prof := score.Profile{Industry: "manufacturing", Employees: 450, AnnualSalesMillionJPY: 12000, PersonalRecords: 20000,
		ITDependence: 4, OnlineServices: true}
	risk := score.Assess(prof)
	targets := score.DefaultTargets(risk.Group, cl.QuestionIDs(), nil)
	rep := score.Compute(cats, store.ScoreAnswers(benchAnswers(cl, 0)), targets)
	prevRep := score.Compute(cats, store.ScoreAnswers(benchAnswers(cl, 3)), targets)
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	a := benchAssessment("a9", assessment.Submitted, now)
	prev := benchAssessment("a8", assessment.Approved, now.AddDate(0, -6, 0))
	others := []store.Assessment{prev}
	for i := range 7 {
		others = append(others, benchAssessment(fmt.Sprintf("a%d", i+1), assessment.Approved, now.AddDate(0, -6*(i+2), 0)))
	}
	d := ReportData{A: a, Checklist: cl, Report: rep, Risk: risk, Basis: RiskBasis{Profile: &prof}, Frozen: true, FrozenAt: now,
		Previous: &prev, PrevReport: &prevRep, Others: others, ProfileHref: "/orgs/o1/profile"}
	p := Page{Title: "診断結果 2026年度 上期", User: benchUser, Path: "/assessments/a9/report", Nav: "assessments"}
	ctx := benchCtx()
	b.ReportAllocs()
	for b.Loop() {
		if err := ReportPage(p, d).Render(ctx, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
