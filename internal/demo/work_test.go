package demo_test

import (
	"context"
	"testing"

	"mamori/internal/demo"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// TestSeedGivesEveryRoleWork: after the demo seed the officer has assigned
// questions in My tasks, the auditor a submitted assessment to review, and
// the manager a running campaign.
func TestSeedGivesEveryRoleWork(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	if _, err := demo.Seed(ctx, st); err != nil {
		t.Fatal(err)
	}
	officer, err := st.UserByEmail(ctx, demo.Logins[0].Email)
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := st.Tasks(ctx, officer.OrgID, officer.ID)
	if err != nil || len(tasks) == 0 || tasks[0].DueOn == nil {
		t.Fatalf("officer's tasks: %v %+v", err, tasks)
	}
	au, err := st.UserByEmail(ctx, demo.Logins[1].Email)
	if err != nil {
		t.Fatal(err)
	}
	auditor, err := st.Principal(ctx, au.ID)
	if err != nil {
		t.Fatal(err)
	}
	var orgs []string
	for id := range auditor.Visible {
		orgs = append(orgs, id)
	}
	q, _, err := st.ReviewQueue(ctx, store.Reach{OrgIDs: orgs, Reviewer: auditor.UserID, ReviewerOrg: auditor.OrgID}, 1, 50)
	if err != nil || len(q) != 1 || q[0].OrgName != "デモ株式会社 九州工場" {
		t.Fatalf("auditor's queue: %v %+v", err, q)
	}
	cs, err := st.Campaigns(ctx, []string{officer.OrgID})
	if err != nil || len(cs) != 1 || cs[0].Status != "open" {
		t.Fatalf("campaigns: %v %+v", err, cs)
	}
}
