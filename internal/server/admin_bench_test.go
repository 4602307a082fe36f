package server_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
	"mamori/web"
)

// seedAdminBench fills a database with orgs organisations (holdings of 49
// subsidiaries each) and 10 users in each: an auditor in every other
// holding, so that half the organisations have no reviewer; and an
// assignment of each of those auditors to one organisation of another
// holding. Set-based SQL: a few seconds for 5,000 organisations.
func seedAdminBench(b *testing.B, st *store.Store, orgs int) {
	b.Helper()
	ctx := context.Background()
	db := storetest.DB(b, st)
	for i, sql := range []string{
		`INSERT INTO orgs (name, industry)
			SELECT 'ホールディングス ' || lpad(h::text, 4, '0'), 'manufacturing' FROM generate_series(0, $1::int / 50 - 1) h`,
		`INSERT INTO orgs (name, parent_id, industry)
			SELECT p.name || ' 子会社 ' || lpad(i::text, 2, '0'), p.id, 'information_services'
			FROM orgs p, generate_series(1, 49) i WHERE p.parent_id IS NULL AND $1::int > 0`,
		`INSERT INTO users (email, display_name, password_hash, role, org_id)
			SELECT 'u' || k || '.' || replace(o.id::text, '-', '') || '@bench.example', 'ベンチ 利用者 ' || k, 'x',
				CASE WHEN k = 0 AND o.parent_id IS NULL AND right(o.name, 1) IN ('0', '2', '4', '6', '8') THEN 'auditor'
					WHEN k < 3 THEN 'manager' ELSE 'officer' END, o.id
			FROM orgs o, generate_series(0, 9) k WHERE $1::int > 0`,
		`INSERT INTO auditor_assignments (user_id, org_id)
			SELECT u.id, (SELECT c.id FROM orgs c WHERE c.parent_id <> u.org_id ORDER BY c.name LIMIT 1)
			FROM users u WHERE u.role = 'auditor' AND $1::int > 0`,
		`ANALYZE`,
	} {
		args := []any{orgs}
		if i == 4 {
			args = nil
		}
		if _, err := db.Exec(ctx, sql, args...); err != nil {
			b.Fatalf("seed step %d: %v", i, err)
		}
	}
}

// BenchmarkAdminPages measures, in the same run, a static asset and the
// administrator's pages over 5,000 organisations and 50,000 users
// (MAMORI_BENCH_ADMIN_ORGS changes the count): the organisations list,
// the users list, one organisation's page, one user's page, and a search
// of each list that matches nothing (after the change). Each path
// runs 30 times in turn; reported per path: the median wall time
// (-p50-ms), the page's size (-kB), and the static asset's median divided
// by the page's (-ratio, the higher the cheaper).
func BenchmarkAdminPages(b *testing.B) {
	orgs := 5000
	if n, err := strconv.Atoi(os.Getenv("MAMORI_BENCH_ADMIN_ORGS")); err == nil && n >= 50 {
		orgs = n
	}
	ctx := context.Background()
	st := storetest.New(b)
	seedAdminBench(b, st, orgs)
	var orgID, userID string
	if err := storetest.DB(b, st).QueryRow(ctx, `SELECT o.id, u.id FROM orgs o JOIN users u ON u.org_id = o.id
		WHERE o.parent_id IS NOT NULL ORDER BY o.name DESC, u.email LIMIT 1`).Scan(&orgID, &userID); err != nil {
		b.Fatal(err)
	}
	tsURL, c := benchClient(b, st, store.NewUser{Email: "bench-admin@example.jp", Name: "ベンチ 管理者", Role: assessment.Manager,
		OrgID: orgID, Admin: true})

	get := func(path string) (time.Duration, int64) {
		start := time.Now()
		res, err := c.Get(tsURL + path)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: status %d", path, res.StatusCode)
		}
		return time.Since(start), n
	}
	paths := []struct{ name, path string }{
		{"static", web.Asset("app.css")},
		{"orgs", "/admin/orgs"},
		{"users", "/admin/users"},
		{"org", "/admin/orgs/" + orgID},
		{"user", "/admin/users/" + userID},
		// Searches that match nothing: every name is read.
		{"orgs-search", "/admin/orgs?q=" + url.QueryEscape("該当なし")},
		{"users-search", "/admin/users?q=" + url.QueryEscape("該当なし")},
	}
	const rounds = 30
	durs := make([][]time.Duration, len(paths))
	size := make([]int64, len(paths))
	for _, p := range paths { // warm the caches and the connection pool
		get(p.path)
	}
	for b.Loop() {
		for i, p := range paths {
			for range rounds {
				d, n := get(p.path)
				durs[i], size[i] = append(durs[i], d), n
			}
		}
	}
	median := make([]time.Duration, len(paths))
	for i, p := range paths {
		slices.Sort(durs[i])
		median[i] = durs[i][len(durs[i])/2]
		b.ReportMetric(float64(median[i].Microseconds())/1000, p.name+"-p50-ms")
		b.ReportMetric(float64(size[i])/1000, p.name+"-kB")
		if i > 0 {
			b.ReportMetric(float64(median[0])/float64(median[i]), p.name+"-ratio")
		}
	}
}
