package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// TestCampaignReminders: with the clock injected, the planner reminds a
// late organisation's officers once per schedule day, also when several
// instances plan at once, and not an organisation that handed in.
func TestCampaignReminders(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	holding, _ := st.CreateOrg(ctx, "本社", nil, "other")
	sub, _ := st.CreateOrg(ctx, "子会社", &holding.ID, "other")
	officer, err := st.CreateUser(ctx, store.NewUser{Email: "o@example.jp", Name: "O", PasswordHash: "x", Role: assessment.Officer, OrgID: sub.ID})
	if err != nil {
		t.Fatal(err)
	}
	launched := time.Now()
	deadline := time.Date(launched.Year(), launched.Month(), launched.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 30)
	c, err := st.LaunchCampaign(ctx, store.NewCampaign{OrgID: holding.ID, Title: "調査", ChecklistID: checklist.Default().ID,
		OrgIDs: []string{holding.ID, sub.ID}, Deadline: deadline, ReminderDays: []int{14, 7, 1}})
	if err != nil {
		t.Fatal(err)
	}
	reminders := func() int {
		ns, err := st.Notifications(ctx, officer.ID, false, 100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, x := range ns {
			if x.Kind == "campaign_reminder" {
				n++
			}
		}
		return n
	}
	at := func(d time.Time) time.Time { return d.Add(3 * time.Hour) } // noon JST
	// Nothing due before 14 days before the deadline.
	if _, err := st.PlanReminders(ctx, at(deadline.AddDate(0, 0, -20))); err != nil || reminders() != 0 {
		t.Fatalf("early: %v, %d reminders", err, reminders())
	}
	// Fourteen days before, from four instances at once: one reminder.
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := st.PlanReminders(ctx, at(deadline.AddDate(0, 0, -14))); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := reminders(); n != 1 {
		t.Fatalf("14 days before: %d reminders, want 1", n)
	}
	// The same day again, then the next day: nothing new.
	st.PlanReminders(ctx, at(deadline.AddDate(0, 0, -14)))
	st.PlanReminders(ctx, at(deadline.AddDate(0, 0, -13)))
	if n := reminders(); n != 1 {
		t.Fatalf("repeat: %d reminders", n)
	}
	for _, d := range []int{-7, -1, 7, 14} {
		if _, err := st.PlanReminders(ctx, at(deadline.AddDate(0, 0, d))); err != nil {
			t.Fatal(err)
		}
	}
	if n := reminders(); n != 5 {
		t.Fatalf("after 7 and 1 days before and two overdue weeks: %d reminders, want 5", n)
	}
	got, err := st.CampaignOrgsPage(ctx, c.ID, 1, 50)
	if err != nil || len(got.Rows) != 2 || got.Counts.Orgs != 2 {
		t.Fatalf("campaign: %v %+v", err, got)
	}
}

// TestCampaignPrefill: with prefill, each organisation's draft carries over
// the answers of its last approved assessment, to be confirmed.
func TestCampaignPrefill(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	org, _ := st.CreateOrg(ctx, "前回あり", nil, "other")
	officer, _ := st.CreateUser(ctx, store.NewUser{Email: "p@example.jp", Name: "P", PasswordHash: "x", Role: assessment.Officer, OrgID: org.ID})
	auditor, _ := st.CreateUser(ctx, store.NewUser{Email: "a@example.jp", Name: "A", PasswordHash: "x", Role: assessment.Auditor, OrgID: org.ID})
	by := store.Actor{UserID: officer.ID}
	prev, err := st.CreateAssessment(ctx, store.NewAssessment{OrgID: org.ID, Title: "前回", ChecklistID: checklist.Default().ID, Actor: by})
	if err != nil {
		t.Fatal(err)
	}
	three := 3
	for _, q := range checklist.Default().QuestionIDs() {
		if _, err := st.SaveAnswer(ctx, prev.ID, q, assessment.AnswerValues{Level: &three}, by); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Submit(ctx, prev.ID, assessment.Draft, by); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Decide(ctx, store.StatusChange{AssessmentID: prev.ID, From: assessment.Submitted, To: assessment.Approved, Action: assessment.Approve, Actor: store.Actor{UserID: auditor.ID}}); err != nil {
		t.Fatal(err)
	}
	c, err := st.LaunchCampaign(ctx, store.NewCampaign{OrgID: org.ID, Title: "今回", ChecklistID: checklist.Default().ID, OrgIDs: []string{org.ID},
		Deadline: time.Now().AddDate(0, 1, 0), Prefill: true, ReminderDays: []int{7}})
	if err != nil {
		t.Fatal(err)
	}
	orgs, err := st.CampaignOrgsPage(ctx, c.ID, 1, 50)
	if err != nil || len(orgs.Rows) != 1 {
		t.Fatalf("campaign orgs: %v %+v", err, orgs)
	}
	a, err := st.GetAssessment(ctx, orgs.Rows[0].AssessmentID)
	if err != nil || a.CarriedOver != 27 || a.CopiedFrom == nil || *a.CopiedFrom != prev.ID {
		t.Fatalf("prefilled draft: %v %+v", err, a)
	}
	if orgs.Rows[0].Answered != 0 || orgs.Counts.NotStarted != 1 {
		t.Fatalf("carried-over answers count as answered before they are confirmed: %d (counts %+v)", orgs.Rows[0].Answered, orgs.Counts)
	}
}
