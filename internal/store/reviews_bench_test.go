package store_test

import (
	"context"
	"testing"

	"mamori/internal/store"
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

// BenchmarkListScope compares a page of the assessments list (and of the
// organisation picker) of a manager
// at the top of a holding of 10,000 organisations, named by id and by the
// holding's subtree (the dashboard's scope rows), with the same page over
// every organisation (an administrator).
func BenchmarkListScope(b *testing.B) {
	ctx := context.Background()
	st := storetest.New(b)
	db := storetest.DB(b, st)
	var top string
	if err := db.QueryRow(ctx, `INSERT INTO orgs (name, industry) VALUES ('持株会社', 'other') RETURNING id::text`).Scan(&top); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(ctx, `
		INSERT INTO orgs (name, industry, parent_id) SELECT '子会社 ' || lpad(i::text, 5, '0'), 'other', $1 FROM generate_series(1, 9999) i`, top); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(ctx, `
		INSERT INTO assessments (org_id, title, checklist_id, status, created_at, submitted_at)
		SELECT id, '2026年度', 'ipa-benchmark-4', CASE WHEN random() < 0.2 THEN 'submitted' ELSE 'draft' END,
			now() - random() * interval '300 days', now() - random() * interval '30 days'
		FROM orgs, generate_series(1, 3)`); err != nil {
		b.Fatal(err)
	}
	if _, err := st.RebuildDashboard(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	var ids []string
	if err := db.QueryRow(ctx, `SELECT array_agg(id::text) FROM orgs`).Scan(&ids); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		scope store.AssessmentScope
	}{{"all", store.AssessmentScope{All: true}}, {"subtree", store.AssessmentScope{OrgIDs: ids, Subtree: top}}, {"ids", store.AssessmentScope{OrgIDs: ids}}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := st.ListAssessmentsPage(ctx, c.scope, 1, 50); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("picker/"+c.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := st.OrgChoices(ctx, c.scope, "", 50); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
