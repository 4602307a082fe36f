package server_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/export"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// TestCampaignDashboard: a campaign's dashboard lists the campaign's
// organisations (not the others the manager sees), 50 a page, with the
// summary counted over all of them by their assessment of the campaign;
// the status filter reads that assessment; the export holds the same
// organisations in the same order.
func TestCampaignDashboard(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	hold := e.org("持株会社", nil)
	outside := e.org("対象外の子会社", &hold.ID)
	seedResult(t, e.st, outside.ID, "approved", y25, 100, "GI", 10)
	var ids []string
	for i := range 52 {
		o := e.org(fmt.Sprintf("対象 子会社 %02d", i), &hold.ID)
		ids = append(ids, o.ID)
	}
	seedResult(t, e.st, ids[0], "approved", y25, 80, "GII", 10)
	c, err := e.st.LaunchCampaign(ctx, store.NewCampaign{OrgID: hold.ID, Title: "2026年度 実態調査", ChecklistID: checklist.DefaultID,
		OrgIDs: ids, Deadline: time.Now().AddDate(0, 1, 0), ReminderDays: []int{}, Actor: store.Actor{Email: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	// Two organisations have handed in their campaign assessment.
	if _, err := storetest.DB(t, e.st).Exec(ctx, `
		UPDATE assessments SET status = 'submitted', submitted_at = now()
		WHERE id IN (SELECT assessment_id FROM campaign_orgs WHERE campaign_id = $1 AND org_id = ANY($2::uuid[]))`,
		c.ID, []string{ids[3], ids[51]}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.RebuildDashboard(ctx); err != nil {
		t.Fatal(err)
	}
	manager := e.login(e.user(hold.ID, assessment.Manager, false))
	text := func(body, testid string) string {
		return strings.Join(strings.Fields(parseDoc(t, body).Find(`[data-testid="`+testid+`"]`).First().Text()), " ")
	}

	res, body := e.get(manager, "/dashboard?campaign="+c.ID)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	rows := dashboardOrgs(parseDoc(t, body))
	if len(rows) != 50 || rows[0] != "対象 子会社 00" || rows[49] != "対象 子会社 49" {
		t.Fatalf("first page: %d rows %v", len(rows), rows)
	}
	if slices.Contains(rows, "対象外の子会社") || slices.Contains(rows, "持株会社") {
		t.Fatal("an organisation outside the campaign is listed")
	}
	if got := text(body, "kpi-orgs"); got != "52" {
		t.Errorf("organisations counted: %q, want 52", got)
	}
	if got := text(body, "cycle-submitted"); !strings.HasSuffix(got, " 2") {
		t.Errorf("submitted: %q", got)
	}
	if got := text(body, "cycle-draft"); !strings.HasSuffix(got, " 50") {
		t.Errorf("drafts: %q", got)
	}
	if got := text(body, "kpi-with-result"); got != "1" {
		t.Errorf("with a result: %q, want 1 (the one outside the campaign is not counted)", got)
	}
	_, body = e.get(manager, "/dashboard?campaign="+c.ID+"&page=2")
	if rows := dashboardOrgs(parseDoc(t, body)); !slices.Equal(rows, []string{"対象 子会社 50", "対象 子会社 51"}) {
		t.Fatalf("second page: %v", rows)
	}
	_, body = e.get(manager, "/dashboard?campaign="+c.ID+"&status=submitted")
	if rows := dashboardOrgs(parseDoc(t, body)); !slices.Equal(rows, []string{"対象 子会社 03", "対象 子会社 51"}) {
		t.Fatalf("submitted: %v", rows)
	}
	if got := text(body, "kpi-orgs"); got != "52" {
		t.Errorf("the summary follows the filter: %q, want 52", got)
	}

	res, body = e.get(manager, "/dashboard/export.xlsx?campaign="+c.ID+"&sort=total")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("export: status %d", res.StatusCode)
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	xs, _ := f.GetRows(export.SheetDashboard)
	if len(xs) != 53 || xs[1][0] != "対象 子会社 00" || xs[2][0] != "対象 子会社 01" {
		t.Fatalf("export: %d rows, first %v", len(xs), xs[1:min(3, len(xs))])
	}
	for _, x := range xs[1:] {
		if x[0] == "対象外の子会社" || x[0] == "持株会社" {
			t.Fatalf("export lists %s, outside the campaign", x[0])
		}
	}
}
