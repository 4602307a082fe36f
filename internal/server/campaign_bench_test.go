package server_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"strconv"
	"testing"

	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// seedCampaignBench launches a campaign over every organisation of the
// dashboard's seed (seedDashboardBench), set-based as a bulk load would:
// a draft each, then the maintained tables rebuilt.
func seedCampaignBench(b *testing.B, st *store.Store, root string) string {
	b.Helper()
	ctx := context.Background()
	db := storetest.DB(b, st)
	var id string
	err := db.QueryRow(ctx, `
		INSERT INTO campaigns (org_id, title, checklist_id, deadline, prefill, reminder_days, scope_key)
		VALUES ($1, '2026年度 グループ実態調査', 'ipa-benchmark-4', current_date + 30, false, '{}',
			(SELECT string_agg(id::text, ',' ORDER BY id) FROM orgs))
		RETURNING id`, root).Scan(&id)
	if err != nil {
		b.Fatal(err)
	}
	// Every fifth organisation has submitted, every seventh was returned.
	if _, err := db.Exec(ctx, `
		WITH a AS (
			INSERT INTO assessments (org_id, title, checklist_id, status, submitted_at)
			SELECT id, '2026年度 グループ実態調査', 'ipa-benchmark-4',
				CASE WHEN abs(hashtext(id::text)) % 5 = 0 THEN 'submitted' WHEN abs(hashtext(id::text)) % 7 = 0 THEN 'returned' ELSE 'draft' END,
				CASE WHEN abs(hashtext(id::text)) % 5 = 0 THEN now() END
			FROM orgs RETURNING id, org_id, status
		)
		INSERT INTO campaign_orgs (campaign_id, org_id, assessment_id, status) SELECT $1, org_id, id, status FROM a`, id); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	if _, err := st.RebuildDashboard(ctx); err != nil {
		b.Fatal(err)
	}
	return id
}

// beforeCampaignOrgs is the statement the campaign page ran before it read
// a page: every organisation of the campaign with its progress.
const beforeCampaignOrgs = `
	SELECT co.org_id, o.name, co.assessment_id, a.status, a.submitted_at, co.late,
		(SELECT count(*) FROM answers x WHERE x.assessment_id = a.id AND x.level IS NOT NULL AND NOT x.carried_over)
	FROM campaign_orgs co JOIN orgs o ON o.id = co.org_id JOIN assessments a ON a.id = co.assessment_id
	WHERE co.campaign_id = $1 ORDER BY o.name, o.id`

// BenchmarkCampaignDashboard measures a campaign over 2,000 organisations
// (MAMORI_BENCH_CAMPAIGN_ORGS for another number) × 10 approved
// assessments, for a manager at the top, in one run: what the campaign
// dashboard read before (every organisation in view with its assessment of
// the campaign, store.Dashboard; the filtering, counting and paging in Go
// that followed are not included) against its page now
// (store.DashboardPage), the campaign page's organisations before (every
// one) against a page with the counts now, and both pages over HTTP.
func BenchmarkCampaignDashboard(b *testing.B) {
	orgs := 2000
	if n, err := strconv.Atoi(os.Getenv("MAMORI_BENCH_CAMPAIGN_ORGS")); err == nil && n > 1 {
		orgs = n
	}
	ctx := context.Background()
	st := storetest.New(b)
	root := seedDashboardBench(b, st, orgs)
	campaign := seedCampaignBench(b, st, root)
	ids, err := st.OrgAndDescendants(ctx, root)
	if err != nil || len(ids) != orgs {
		b.Fatalf("%d organisations in view, %v", len(ids), err)
	}
	db := storetest.DB(b, st)
	b.Run("dashboard=before", func(b *testing.B) {
		for b.Loop() {
			rows, err := st.Dashboard(ctx, store.OrgScope{OrgIDs: ids, CampaignID: campaign})
			if err != nil || len(rows) != orgs {
				b.Fatalf("%d rows, %v", len(rows), err)
			}
		}
	})
	b.Run("dashboard=after", func(b *testing.B) {
		for b.Loop() {
			pg, err := st.DashboardPage(ctx, store.DashboardPageQuery{Scope: root, Campaign: campaign, Page: 1, PageSize: 50, TrendWant: []string{root}})
			if err != nil || len(pg.Rows) != 50 || pg.Counts.Orgs != orgs {
				b.Fatalf("%d rows of %d, %v", len(pg.Rows), pg.Counts.Orgs, err)
			}
		}
	})
	b.Run("dashboard=after,filtered", func(b *testing.B) {
		for b.Loop() {
			_, err := st.DashboardPage(ctx, store.DashboardPageQuery{Scope: root, Campaign: campaign, Page: 2, PageSize: 50, TrendWant: []string{root},
				DashboardFilter: store.DashboardFilter{Status: "draft", Sort: "updated"}})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("campaign=before", func(b *testing.B) {
		for b.Loop() {
			rows, err := db.Query(ctx, beforeCampaignOrgs, campaign)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rows.Next() {
				n++
			}
			if err := rows.Err(); err != nil || n != orgs {
				b.Fatalf("%d rows, %v", n, err)
			}
		}
	})
	b.Run("campaign=after", func(b *testing.B) {
		for b.Loop() {
			pg, err := st.CampaignOrgsPage(ctx, campaign, 1, 50)
			if err != nil || len(pg.Rows) != 50 || pg.Counts.Orgs != orgs {
				b.Fatalf("%d rows of %d, %v", len(pg.Rows), pg.Counts.Orgs, err)
			}
		}
	})

	// The pages over HTTP, as the manager at the top opens them.
	tsURL, c := benchClient(b, st, store.NewUser{Email: "bench-campaign@example.jp", Name: "ベンチ 部長", Role: assessment.Manager, OrgID: root})
	for _, path := range []string{"/dashboard?campaign=" + campaign, "/campaigns/" + campaign} {
		get := func() {
			res, err := c.Get(tsURL + path)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Fatalf("%s: status %d", path, res.StatusCode)
			}
		}
		get() // the caches and the connection pool
		b.Run("http="+path[1:2], func(b *testing.B) {
			for b.Loop() {
				get()
			}
		})
	}
}
