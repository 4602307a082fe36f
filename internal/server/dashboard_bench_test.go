package server_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// seedDashboardBench fills a database with a holding and orgs-1
// subsidiaries, each with a profile and ten approved assessments of 27
// answers with frozen results: set-based SQL, a few seconds for 1,000.
// The maintained tables follow by a rebuild, as after any bulk load.
func seedDashboardBench(b *testing.B, st *store.Store, orgs int) string {
	b.Helper()
	ctx := context.Background()
	var root string
	steps := []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO orgs (name, industry) VALUES ('ベンチマーク持株会社', 'manufacturing') RETURNING id`, nil},
		{`INSERT INTO orgs (name, parent_id, industry)
			SELECT 'ベンチマーク子会社 ' || lpad(i::text, 4, '0'), $1,
				(ARRAY['manufacturing', 'education', 'finance_insurance', 'public', 'information_services'])[1 + i % 5]
			FROM generate_series(1, $2::int - 1) i`, nil},
		{`INSERT INTO org_profiles (org_id, industry, employees, annual_sales_million_jpy, personal_records, it_dependence,
				online_services, critical_infrastructure)
			SELECT id, industry, 5 + abs(hashtext(id::text)) % 3000, abs(hashtext(name)) % 20000,
				abs(hashtext(id::text || 'r')) % 200000, 1 + abs(hashtext(name || 'i')) % 5, abs(hashtext(name)) % 2 = 0, false
			FROM orgs`, nil},
		{`INSERT INTO assessments (org_id, title, checklist_id, status, created_at, updated_at, submitted_at, decided_at)
			SELECT o.id, (2015 + k) || '年度 自己評価', 'ipa-benchmark-4', 'approved', t, t + interval '40 days',
				t + interval '30 days', t + interval '40 days'
			FROM orgs o, generate_series(1, 10) k,
				LATERAL (SELECT timestamptz '2015-04-01 09:00+09' + (k - 1) * interval '1 year' AS t) x`, nil},
		{`INSERT INTO answers (assessment_id, question_id, level, comment, points_met)
			SELECT a.id, q, 1 + abs(hashtext(a.id::text || q)) % 5, '', '{}'
			FROM assessments a, unnest($1::text[]) q`, []any{checklist.Default().QuestionIDs()}},
		{`INSERT INTO assessment_results (assessment_id, org_id, risk_group, risk_index, targets, total_score, total_average,
				total_target, category_averages, category_targets, answered)
			SELECT a.id, a.org_id, (ARRAY['GI', 'GII', 'GIII'])[1 + abs(hashtext(a.org_id::text)) % 3],
				5 * (abs(hashtext(a.org_id::text)) % 21), '{}', s.total, round(s.total / 27.0, 2), 81,
				jsonb_build_object('1', c.c1, '2', c.c2, '3', c.c3, '4', c.c4, '5', c.c5),
				'{"1": 3, "2": 3, "3": 3, "4": 3, "5": 3}', 27
			FROM assessments a
			CROSS JOIN LATERAL (SELECT sum(level)::int AS total FROM answers x WHERE x.assessment_id = a.id) s
			CROSS JOIN LATERAL (SELECT
				round(avg(level) FILTER (WHERE question_id LIKE '1-%'), 2) AS c1,
				round(avg(level) FILTER (WHERE question_id LIKE '2-%'), 2) AS c2,
				round(avg(level) FILTER (WHERE question_id LIKE '3-%'), 2) AS c3,
				round(avg(level) FILTER (WHERE question_id LIKE '4-%'), 2) AS c4,
				round(avg(level) FILTER (WHERE question_id LIKE '5-%'), 2) AS c5
				FROM answers x WHERE x.assessment_id = a.id) c`, nil},
		{`ANALYZE`, nil},
	}
	for i, s := range steps {
		var err error
		switch i {
		case 0:
			err = storetest.DB(b, st).QueryRow(ctx, s.sql).Scan(&root)
		case 1:
			_, err = storetest.DB(b, st).Exec(ctx, s.sql, root, orgs)
		default:
			_, err = storetest.DB(b, st).Exec(ctx, s.sql, s.args...)
		}
		if err != nil {
			b.Fatalf("seed step %d: %v", i, err)
		}
	}
	if _, err := st.RebuildPeerStats(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := st.RebuildDashboard(ctx); err != nil {
		b.Fatal(err)
	}
	return root
}

// BenchmarkDashboard measures GET /dashboard for a manager at the top of
// 1,000 and of 10,000 organisations × 10 approved assessments (the larger
// only with MAMORI_BENCH_DASHBOARD_LARGE=1: its seed takes minutes): ns/op
// over the loop, and the 95th percentile of 200 further requests (p95-ms).
func BenchmarkDashboard(b *testing.B) {
	sizes := []int{1000}
	if os.Getenv("MAMORI_BENCH_DASHBOARD_LARGE") != "" {
		sizes = append(sizes, 10000)
	}
	for _, n := range sizes {
		b.Run("orgs="+strconv.Itoa(n), func(b *testing.B) { benchDashboard(b, n) })
	}
}

func benchDashboard(b *testing.B, orgs int) {
	st := storetest.New(b)
	root := seedDashboardBench(b, st, orgs)
	tsURL, c := benchClient(b, st, store.NewUser{Email: "bench-manager@example.jp", Name: "ベンチ 部長", Role: assessment.Manager, OrgID: root})

	var getPath func(string)
	get := func() { getPath("/dashboard") }
	getPath = func(path string) {
		res, err := c.Get(tsURL + path)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
	get() // warm the caches and the connection pool
	for b.Loop() {
		get()
	}
	durs := make([]time.Duration, 200)
	for i := range durs {
		start := time.Now()
		get()
		durs[i] = time.Since(start)
	}
	slices.Sort(durs)
	b.ReportMetric(float64(durs[len(durs)*95/100-1].Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(durs[len(durs)/2-1].Microseconds())/1000, "p50-ms")

	// The same manager's account page in the same run: what any page costs
	// them (the session, and the principal with every organisation in view).
	account := make([]time.Duration, 100)
	for i := range account {
		start := time.Now()
		getPath("/account")
		account[i] = time.Since(start)
	}
	slices.Sort(account)
	b.ReportMetric(float64(account[len(account)/2-1].Microseconds())/1000, "account-p50-ms")
}
