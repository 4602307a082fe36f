package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"mamori/checklist"
	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/store"
)

// TestConfirmCarried: confirming a category confirms the carried-over
// answers nobody changed, each with its own audit entry, and nothing once
// the assessment is submitted.
func TestConfirmCarried(t *testing.T) {
	ctx := context.Background()
	e := rvSetup(t)
	cl := checklist.Default()
	last := e.draft(t, e.org.ID, "2025年度")
	three := 3
	for _, q := range cl.QuestionIDs() {
		if _, err := e.st.SaveAnswer(ctx, last.ID, q, assessment.AnswerValues{Level: &three, Comment: "運用中"}, e.officer); err != nil {
			t.Fatal(err)
		}
	}
	a, err := e.st.CreateAssessment(ctx, store.NewAssessment{OrgID: e.org.ID, Title: "2026年度", ChecklistID: cl.ID, CopyFrom: last.ID, Actor: e.officer})
	if err != nil {
		t.Fatal(err)
	}
	four := 4
	if _, err := e.st.SaveAnswer(ctx, a.ID, "2-1", assessment.AnswerValues{Level: &four, Comment: "改善", Version: 1}, e.officer); err != nil {
		t.Fatal(err)
	}
	cat2 := []string{}
	for _, q := range cl.Categories[1].Questions {
		cat2 = append(cat2, q.ID)
	}
	got, err := e.st.ConfirmCarried(ctx, a.ID, cat2, e.officer)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, cat2[1:]) {
		t.Fatalf("confirmed %v, want %v (2-1 was changed, so confirmed already)", got, cat2[1:])
	}
	again, err := e.st.ConfirmCarried(ctx, a.ID, cat2, e.officer)
	if err != nil || len(again) != 0 {
		t.Fatalf("confirming twice: %v %v", again, err)
	}
	answers, _ := e.st.Answers(ctx, a.ID)
	for _, q := range cat2 {
		if answers[q].CarriedOver || *answers[q].Level == 0 {
			t.Errorf("%s after confirming: %+v", q, answers[q])
		}
	}
	if !answers["1-1"].CarriedOver {
		t.Error("another category's answer was confirmed")
	}
	got2, _ := e.st.GetAssessment(ctx, a.ID)
	if got2.Confirmed != len(cat2) || got2.CarriedOver != cl.NumQuestions()-len(cat2) {
		t.Errorf("counts after confirming: confirmed %d carried %d", got2.Confirmed, got2.CarriedOver)
	}
	es, err := e.st.AssessmentAudit(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var audited []string
	for _, x := range es {
		if x.Action == "answer.confirmed" {
			audited = append(audited, string(x.Detail))
		}
	}
	if len(audited) != len(cat2)-1 {
		t.Errorf("%d answer.confirmed entries, want %d: %v", len(audited), len(cat2)-1, audited)
	}
	// Once submitted, nothing is confirmed.
	for _, q := range cl.QuestionIDs() {
		if _, err := e.st.ConfirmCarried(ctx, a.ID, []string{q}, e.officer); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.st.Submit(ctx, a.ID, assessment.Draft, e.officer); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.ConfirmCarried(ctx, a.ID, cat2, e.officer); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("confirming a submitted assessment: %v", err)
	}
}

// TestBackdateDecisionMovesFrozenDate: demonstration data dated in the past
// shows its result frozen at the (backdated) submission, not at seeding.
func TestBackdateDecisionMovesFrozenDate(t *testing.T) {
	ctx := context.Background()
	e := rvSetup(t)
	a := e.draft(t, e.org.ID, "2024年度")
	three := 3
	for _, q := range checklist.Default().QuestionIDs() {
		if _, err := e.st.SaveAnswer(ctx, a.ID, q, assessment.AnswerValues{Level: &three}, e.officer); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.st.Submit(ctx, a.ID, assessment.Draft, e.officer); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Decide(ctx, store.StatusChange{AssessmentID: a.ID, From: assessment.Submitted, To: assessment.Approved, Action: assessment.Approve, Actor: e.auditor}); err != nil {
		t.Fatal(err)
	}
	decided := time.Date(2024, 7, 15, 10, 0, 0, 0, time.UTC)
	if err := e.st.BackdateDecision(ctx, a.ID, decided); err != nil {
		t.Fatal(err)
	}
	got, _ := e.st.GetAssessment(ctx, a.ID)
	res, err := e.st.GetResult(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.SubmittedAt == nil || !res.ComputedAt.Equal(*got.SubmittedAt) || !got.SubmittedAt.Equal(decided.Add(-10*24*time.Hour)) {
		t.Errorf("frozen at %v, submitted at %v", res.ComputedAt, got.SubmittedAt)
	}
}
