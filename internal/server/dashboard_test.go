package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/xuri/excelize/v2"

	"mamori/internal/assessment"
	"mamori/internal/export"
	"mamori/internal/score"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// seedResult inserts an assessment of org in status with a frozen result
// (total, risk group and index; every category averaging total ÷ 27),
// straight into the tables as a submission or approval leaves them.
func seedResult(t testing.TB, st *store.Store, orgID, status string, decided time.Time, total int, group string, riskIndex int) string {
	t.Helper()
	avg := score.Round2(total, 27)
	cats, _ := json.Marshal(map[string]float64{"1": avg, "2": avg, "3": avg, "4": avg, "5": avg})
	var id string
	err := storetest.DB(t, st).QueryRow(context.Background(), `
		WITH a AS (
			INSERT INTO assessments (org_id, title, checklist_id, status, created_at, submitted_at, decided_at)
			VALUES ($1, to_char($3::timestamptz, 'YYYY') || '年度 自己評価', 'ipa-benchmark-4', $2,
				$3::timestamptz - interval '30 days', $3::timestamptz - interval '1 day',
				CASE WHEN $2 IN ('approved', 'returned') THEN $3::timestamptz END)
			RETURNING id
		)
		INSERT INTO assessment_results (assessment_id, org_id, risk_group, risk_index, targets, total_score, total_average,
			total_target, category_averages, category_targets, answered)
		SELECT id, $1, $4, $5, '{}', $6, $7, 81, $8, '{"1": 3, "2": 3, "3": 3, "4": 3, "5": 3}', 27 FROM a
		RETURNING assessment_id`,
		orgID, status, decided, group, riskIndex, total, avg, string(cats)).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	// Written behind the store's back: the benchmark's sums and the
	// dashboard's summaries follow by a
	// rebuild, as `mamori benchmark rebuild` would do.
	if _, err := st.RebuildPeerStats(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RebuildDashboard(context.Background()); err != nil {
		t.Fatal(err)
	}
	return id
}

// seedProfile gives an organisation a company profile.
func seedProfile(t testing.TB, st *store.Store, orgID, industry string, employees int) {
	t.Helper()
	p := score.Profile{Industry: industry, Employees: employees, ITDependence: 2}
	if _, _, err := st.SaveProfile(context.Background(), orgID, p, nil, store.Actor{Email: "test"}); err != nil {
		t.Fatal(err)
	}
}

func parseDoc(t *testing.T, body string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func dashboardOrgs(doc *goquery.Document) []string {
	var out []string
	doc.Find(`[data-testid="dashboard-row"]`).Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.TrimSpace(s.Find("th").First().Contents().First().Text()))
	})
	return out
}

var (
	y24 = time.Date(2024, 6, 1, 3, 0, 0, 0, time.UTC)
	y25 = time.Date(2025, 6, 1, 3, 0, 0, 0, time.UTC)
)

func TestDashboardPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	hold := e.org("持株会社", nil)
	sub := e.org("子会社 九州", &hold.ID)
	other := e.org("無関係の会社", nil)
	seedProfile(t, e.st, sub.ID, "manufacturing", 50)
	seedResult(t, e.st, hold.ID, "approved", y25, 100, "GII", 10)
	oldSub := seedResult(t, e.st, sub.ID, "approved", y24, 70, "GII", 10)
	newSub := seedResult(t, e.st, sub.ID, "approved", y25, 80, "GII", 10)
	seedResult(t, e.st, other.ID, "approved", y25, 120, "GI", 60)
	officer := e.user(sub.ID, assessment.Officer, false)
	draft := e.draft(officer)
	for _, q := range []string{"1-1", "1-2"} {
		if _, err := e.st.SaveAnswer(ctx, draft.ID, q, assessment.AnswerValues{Level: intPtr(3)}, store.Actor{UserID: officer.ID}); err != nil {
			t.Fatal(err)
		}
	}
	manager := e.login(e.user(hold.ID, assessment.Manager, false))

	t.Run("ManagerSeesOwnAndDescendants", func(t *testing.T) {
		res, body := e.get(manager, "/dashboard")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		doc := parseDoc(t, body)
		if got := dashboardOrgs(doc); strings.Join(got, ",") != "子会社 九州,持株会社" {
			t.Fatalf("rows %v", got)
		}
		if strings.Contains(body, "無関係の会社") || strings.Contains(body, other.ID) {
			t.Fatal("the dashboard shows an organisation outside the manager's")
		}
		row := doc.Find(`[data-org="` + sub.ID + `"]`)
		if tot := strings.Fields(row.Find(`[data-testid="row-total"]`).Text()); len(tot) == 0 || tot[0] != "80" {
			t.Errorf("subsidiary total %q, want its latest approved 80", tot)
		}
		if href, _ := row.Find(`[data-testid="latest-report"]`).Attr("href"); href != "/assessments/"+newSub+"/report" {
			t.Errorf("latest report link %q", href)
		}
		if !strings.Contains(row.Text(), "下書き") || row.Find("progress").AttrOr("value", "") != "2" {
			t.Errorf("current cycle: %q", row.Text())
		}
		if n := doc.Find(`svg.heatmap-svg rect.heat-rect`).Length(); n != 2*5 {
			t.Errorf("heat map cells %d, want 10", n)
		}
		if got := testid(doc, "kpi-orgs").Text(); got != "2" {
			t.Errorf("kpi orgs %q", got)
		}
	})
	t.Run("Trend", func(t *testing.T) {
		_, body := e.get(manager, "/dashboard?org="+sub.ID)
		doc := parseDoc(t, body)
		rows := doc.Find(`[data-testid="trend-row"]`)
		if rows.Length() != 2 || testid(doc, "trend-org").Text() != "子会社 九州" {
			t.Fatalf("trend rows %d for %q", rows.Length(), testid(doc, "trend-org").Text())
		}
		if href, _ := rows.First().Find("a").Attr("href"); href != "/assessments/"+oldSub+"/report" {
			t.Errorf("first trend point links %q", href)
		}
		if doc.Find(`[data-testid="trend-total"] polyline`).Length() != 2 || doc.Find(`[data-testid="trend-categories"] polyline`).Length() != 5 {
			t.Error("trend charts lack their lines")
		}
		// Another organisation's id picks nothing of it.
		_, body = e.get(manager, "/dashboard?org="+other.ID)
		if strings.Contains(body, "無関係の会社") {
			t.Fatal("the trend of an invisible organisation was shown")
		}
	})
	t.Run("FilterAndSort", func(t *testing.T) {
		_, body := e.get(manager, "/dashboard?q=%E4%B9%9D%E5%B7%9E") // 九州
		if got := dashboardOrgs(parseDoc(t, body)); strings.Join(got, ",") != "子会社 九州" {
			t.Errorf("name filter: %v", got)
		}
		_, body = e.get(manager, "/dashboard?status=approved")
		if got := dashboardOrgs(parseDoc(t, body)); strings.Join(got, ",") != "持株会社" {
			t.Errorf("status filter: %v", got)
		}
		_, body = e.get(manager, "/dashboard?sort=total")
		if got := dashboardOrgs(parseDoc(t, body)); strings.Join(got, ",") != "子会社 九州,持株会社" {
			t.Errorf("sorted by total: %v", got)
		}
		_, body = e.get(manager, "/dashboard?group=GII&sort=bogus&page=-3")
		if got := dashboardOrgs(parseDoc(t, body)); len(got) != 1 {
			t.Errorf("group filter (the subsidiary's profile places it in GIII): %v", got)
		}
	})
	t.Run("AdminSeesAll", func(t *testing.T) {
		admin := e.login(e.user(other.ID, assessment.Officer, true))
		_, body := e.get(admin, "/dashboard")
		if got := dashboardOrgs(parseDoc(t, body)); len(got) != 3 {
			t.Errorf("admin rows %v", got)
		}
	})
	t.Run("OthersForbidden", func(t *testing.T) {
		for _, role := range []assessment.Role{assessment.Officer, assessment.Auditor} {
			c := e.login(e.user(hold.ID, role, false))
			if res, _ := e.get(c, "/dashboard"); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s: status %d, want 403", role, res.StatusCode)
			}
			if res, _ := e.get(c, "/dashboard/export.xlsx"); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s export: status %d, want 403", role, res.StatusCode)
			}
		}
		if res, _ := e.get(e.browser(), "/dashboard"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("signed out: status %d, want a redirect to sign in", res.StatusCode)
		}
	})
	t.Run("ExportXLSX", func(t *testing.T) {
		res, body := e.get(manager, "/dashboard/export.xlsx?sort=total")
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != export.XLSXContentType {
			t.Fatalf("status %d type %q", res.StatusCode, res.Header.Get("Content-Type"))
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
			t.Errorf("Content-Disposition %q", cd)
		}
		f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows(export.SheetDashboard)
		if len(rows) != 3 || rows[1][0] != "子会社 九州" || rows[2][0] != "持株会社" {
			t.Fatalf("rows %v", rows)
		}
		if rows[1][6] != "80" || !strings.HasPrefix(rows[0][8], "大項目1 平均") {
			t.Errorf("total %q, header %q", rows[1][6], rows[0][8])
		}
		if strings.Contains(strings.Join(rows[1], " ")+strings.Join(rows[2], " "), "無関係") {
			t.Error("the export shows an organisation outside the manager's")
		}
	})
}

func intPtr(n int) *int { return &n }

// TestDashboardQueryCount: the page runs the same number of queries for 3
// organisations as for 60 (with results and drafts), across pages.
func TestDashboardQueryCount(t *testing.T) {
	e := newCountingEnv(t)
	root := e.org("本社", nil)
	manager := e.login(e.user(root.ID, assessment.Manager, false))
	addOrgs := func(n int) {
		for i := range n {
			o := e.org("子会社 "+strconv.Itoa(i)+" "+strconv.FormatInt(time.Now().UnixNano(), 36), &root.ID)
			seedResult(t, e.st, o.ID, "approved", y24, 60+i%50, "GII", 10)
			seedResult(t, e.st, o.ID, "approved", y25, 70+i%50, "GII", 10)
			seedResult(t, e.st, o.ID, "submitted", time.Now(), 90, "GII", 10)
		}
	}
	count := func(path string) int {
		// The first request after the tree changed reads who sees what
		// again (store/visibility.go); the page's own cost is the next.
		_, _ = e.get(manager, path)
		res, _ := e.get(manager, path)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", path, res.StatusCode)
		}
		return queryCount(t, res)
	}
	addOrgs(2)
	small := count("/dashboard")
	addOrgs(58)
	large := count("/dashboard")
	page2 := count("/dashboard?page=2&sort=shortfall")
	if small != large || large != page2 {
		t.Fatalf("queries: %d with 3 organisations, %d with 61, %d on page 2: must not grow", small, large, page2)
	}
	// The session with its principal, the bell's unread count, the rows
	// (BEGIN, SET LOCAL jit, the query, COMMIT), the campaigns to choose
	// from, the trend and the page's open actions.
	if small > 9 {
		t.Errorf("%d statements for the dashboard, want at most 9", small)
	}
	t.Logf("dashboard: %d queries", small)
}
