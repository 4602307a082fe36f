package demo_test

import (
	"context"
	"os"
	"testing"

	"mamori/internal/auth"
	"mamori/internal/demo"
	"mamori/internal/score"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
	"mamori/internal/testdb"
)

func TestMain(m *testing.M) {
	auth.UseFastHashesForTests()
	os.Exit(testdb.Main(m))
}

// TestSeedBenchmark: after the demo seed the dashboard and the peer
// benchmark have something to show, and seeding again adds nothing.
func TestSeedBenchmark(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	if _, err := demo.Seed(ctx, st); err != nil {
		t.Fatal(err)
	}
	rows, err := st.Dashboard(ctx, store.OrgScope{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 14 {
		t.Fatalf("organisations %d, want the demo company, its subsidiary and 12 peers", len(rows))
	}
	var holding store.DashboardRow
	for _, r := range rows {
		if r.Latest == nil {
			t.Errorf("%s has no approved assessment", r.OrgName)
		}
		if r.OrgName == "デモ株式会社" {
			holding = r
		}
	}
	if holding.Latest == nil || holding.Latest.DecidedAt.Year() != 2025 || holding.Current == nil || holding.Current.Status != "draft" {
		t.Fatalf("demo company: latest %+v current %+v", holding.Latest, holding.Current)
	}
	gs, err := st.BenchmarkGroups(ctx, holding.Latest.AssessmentID)
	if err != nil {
		t.Fatal(err)
	}
	for name, g := range map[string]score.PeerStats{"risk group": gs.RiskGroup, "industry": gs.Industry, "size": gs.Size} {
		if g.N < score.MinPeers {
			t.Errorf("%s: %d organisations, want at least %d", name, g.N, score.MinPeers)
		}
	}
	if as, err := st.ListActions(ctx, store.ActionFilter{OrgIDs: []string{holding.OrgID}}); err != nil || len(as) != 2 {
		t.Errorf("demo actions: %d, %v", len(as), err)
	}
	if _, err := demo.Seed(ctx, st); err != nil {
		t.Fatal(err)
	}
	again, _ := st.Dashboard(ctx, store.OrgScope{All: true})
	if len(again) != len(rows) {
		t.Errorf("seeding again: %d organisations, want %d", len(again), len(rows))
	}
}
