package store_test

import (
	"context"
	"testing"

	"mamori/internal/store/storetest"
)

// BenchmarkReviews compares, for an audit firm reviewing a group of 10,000
// organisations with 2,000 submissions waiting, reading a page of the queue
// and of the organisations (what /reviews does) with reading them whole
// (what it did before):
//
//	go test ./internal/store -run '^$' -bench BenchmarkReviews -benchtime 20x
func BenchmarkReviews(b *testing.B) {
	ctx := context.Background()
	st := storetest.New(b)
	db := storetest.DB(b, st)
	if _, err := db.Exec(ctx, `
		INSERT INTO orgs (name, industry) SELECT '子会社 ' || lpad(i::text, 5, '0'), 'other' FROM generate_series(1, 10000) i;
		INSERT INTO assessments (org_id, title, checklist_id, status, created_at, submitted_at)
		SELECT id, '2026年度', 'ipa-benchmark-4', CASE WHEN random() < 0.2 THEN 'submitted' ELSE 'draft' END,
			now() - interval '30 days', now() - random() * interval '30 days'
		FROM orgs;
		ANALYZE`); err != nil {
		b.Fatal(err)
	}
	var ids []string
	if err := db.QueryRow(ctx, `SELECT array_agg(id::text) FROM orgs`).Scan(&ids); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		size int
	}{{"page", 50}, {"whole", len(ids)}} {
		b.Run("queue/"+c.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := st.ReviewQueue(ctx, ids, 1, c.size); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("orgs/"+c.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := st.ReviewedOrgs(ctx, ids, "", 1, c.size); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
