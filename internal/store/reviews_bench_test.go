package store_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// BenchmarkReviews compares, for an audit firm assigned to a group of
// 10,000 organisations with 2,000 submissions waiting, reading a page of the
// queue and of the organisations (what /reviews does) through the reach
// kept in the database, with the same page given the ids, and with the
// whole lists (what it did before):
//
//	go test ./internal/store -run '^$' -bench BenchmarkReviews -benchtime 20x
func BenchmarkReviews(b *testing.B) {
	ctx := context.Background()
	st := storetest.New(b)
	db := storetest.DB(b, st)
	top, err := st.CreateOrg(ctx, "グループ本社", nil, "other")
	if err != nil {
		b.Fatal(err)
	}
	firm, err := st.CreateOrg(ctx, "監査法人", nil, "other")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(ctx, `
		INSERT INTO orgs (name, industry, parent_id) SELECT '子会社 ' || lpad(i::text, 5, '0'), 'other', $1 FROM generate_series(1, 9999) i`, top.ID); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(ctx, `
		INSERT INTO assessments (org_id, title, checklist_id, status, created_at, submitted_at)
		SELECT id, '2026年度', 'ipa-benchmark-4', CASE WHEN random() < 0.2 THEN 'submitted' ELSE 'draft' END,
			now() - interval '30 days', now() - random() * interval '30 days'
		FROM orgs WHERE id <> $1`, firm.ID); err != nil {
		b.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Email: "audit@firm.example", Name: "監査 太郎", PasswordHash: "x", Role: assessment.Auditor, OrgID: firm.ID})
	if err != nil {
		b.Fatal(err)
	}
	if err := st.AssignAuditor(ctx, u.ID, top.ID, store.Actor{Email: "bench"}); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	p, err := st.Principal(ctx, u.ID)
	if err != nil {
		b.Fatal(err)
	}
	ids := slices.Collect(maps.Keys(p.Visible))
	byIDs := store.Reach{OrgIDs: ids}
	reach := store.Reach{OrgIDs: ids, Reviewer: u.ID, ReviewerOrg: firm.ID}
	if _, _, err := st.ReviewQueue(ctx, reach, 1, 1); err != nil { // builds the reach once
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		scope store.Reach
		size  int
	}{{"page/reach", reach, 50}, {"page/ids", byIDs, 50}, {"whole", byIDs, len(ids)}} {
		b.Run("queue/"+c.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := st.ReviewQueue(ctx, c.scope, 1, c.size); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("orgs/"+c.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := st.ReviewedOrgs(ctx, c.scope, firm.ID, 1, c.size); err != nil {
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
		scope store.Reach
	}{{"all", store.Reach{All: true}}, {"subtree", store.Reach{OrgIDs: ids, Subtree: top}}, {"ids", store.Reach{OrgIDs: ids}}} {
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
