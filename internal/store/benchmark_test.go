package store_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/score"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// peerDB seeds organisations and frozen results straight into the tables,
// as a submission and an approval would leave them.
type peerDB struct {
	t  *testing.T
	st *store.Store
}

func newPeerDB(t *testing.T) peerDB { return peerDB{t: t, st: storetest.New(t)} }

// org creates an organisation; employees > 0 also gives it a profile with
// that many employees (industry as given).
func (p peerDB) org(name, industry string, employees int) string {
	p.t.Helper()
	ctx := context.Background()
	o, err := p.st.CreateOrg(ctx, name, nil, industry)
	if err != nil {
		p.t.Fatal(err)
	}
	if employees > 0 {
		prof := score.Profile{Industry: industry, Employees: employees, ITDependence: 2}
		if _, _, err := p.st.SaveProfile(ctx, o.ID, prof, nil, store.Actor{Email: "test"}); err != nil {
			p.t.Fatal(err)
		}
	}
	return o.ID
}

// result inserts an assessment in status with a frozen result: total,
// risk group and index, every category averaging total ÷ 27, decided at.
func (p peerDB) result(orgID, status string, decided time.Time, total int, group string, riskIndex int) string {
	p.t.Helper()
	avg := score.Round2(total, 27)
	cats, _ := json.Marshal(map[string]float64{"1": avg, "2": avg, "3": avg, "4": avg, "5": avg})
	tgts, _ := json.Marshal(map[string]float64{"1": 3, "2": 3, "3": 3, "4": 3, "5": 3})
	var id string
	err := p.st.PoolForTest().QueryRow(context.Background(), `
		WITH a AS (
			INSERT INTO assessments (org_id, title, checklist_id, status, created_at, submitted_at, decided_at)
			VALUES ($1, 'r', 'ipa-benchmark-4', $2, $3::timestamptz - interval '30 days', $3::timestamptz - interval '1 day',
				CASE WHEN $2 IN ('approved', 'returned') THEN $3::timestamptz END)
			RETURNING id
		)
		INSERT INTO assessment_results (assessment_id, org_id, risk_group, risk_index, targets, total_score, total_average,
			total_target, category_averages, category_targets, answered)
		SELECT id, $1, $4, $5, '{}', $6, $7, 81, $8, $9, 27 FROM a RETURNING assessment_id`,
		orgID, status, decided, group, riskIndex, total, avg, string(cats), string(tgts)).Scan(&id)
	if err != nil {
		p.t.Fatal(err)
	}
	return id
}

// totals lists the totals a group holds, in order.
func totals(ps score.PeerStats) []int {
	var out []int
	for t, n := range ps.Totals {
		for range n {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

var (
	y2024 = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	y2025 = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	y2026 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
)

func TestBenchmarkGroups(t *testing.T) {
	ctx := context.Background()
	p := newPeerDB(t)

	// The organisation being benchmarked: GII, manufacturing, 50 employees
	// (band 21–100). An older approved result of its own must not count
	// beside the assessment being viewed.
	own := p.org("自社", "manufacturing", 50)
	p.result(own, "approved", y2024, 40, "GII", 10)
	viewed := p.result(own, "submitted", y2026, 90, "GII", 10)

	// A peer with several assessments: only its latest approved one counts
	// (not the older approval, not the newer submission, not a reopened
	// draft that still has a result).
	multi := p.org("複数回", "manufacturing", 80)
	p.result(multi, "approved", y2024, 50, "GII", 20)
	p.result(multi, "approved", y2025, 70, "GII", 20)
	p.result(multi, "submitted", y2026, 130, "GII", 20)
	p.result(multi, "draft", y2026, 135, "GII", 20)

	// Peers spread over the groups.
	p.result(p.org("GII 別業種 小", "finance_insurance", 10), "approved", y2025, 60, "GII", 25)
	p.result(p.org("GI 製造 同規模", "manufacturing", 100), "approved", y2025, 100, "GI", 60)
	p.result(p.org("GIII 製造 大", "manufacturing", 5000), "approved", y2025, 110, "GIII", 0)
	p.result(p.org("GII 教育 同規模", "education", 21), "approved", y2025, 80, "GII", 30)
	// No profile: its industry is the organisation's, it has no size band.
	p.result(p.org("プロフィールなし", "manufacturing", 0), "approved", y2025, 120, "GII", 0)
	// Never approved: not in the population at all.
	p.result(p.org("提出のみ", "manufacturing", 50), "submitted", y2025, 30, "GII", 10)
	p.org("評価なし", "manufacturing", 50)

	if n, err := p.st.RebuildPeerStats(ctx); err != nil || n != 7 {
		t.Fatalf("rebuild: %d organisations, %v; want 7", n, err)
	}
	pops, err := p.st.BenchmarkGroups(ctx, viewed)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("OwnIsTheViewedAssessment", func(t *testing.T) {
		o := pops.Own
		if o.Total != 90 || o.RiskGroup != "GII" || o.RiskIndex != 10 || o.Industry != "manufacturing" || o.SizeBand != "21-100" {
			t.Fatalf("own = %+v", o)
		}
		if o.CategoryAverages["1"] != 3.33 {
			t.Errorf("own category average = %v, want 3.33", o.CategoryAverages["1"])
		}
	})
	t.Run("LatestApprovedPerOrganisation", func(t *testing.T) {
		if got, want := totals(pops.All), []int{60, 70, 80, 90, 100, 110, 120}; !slices.Equal(got, want) {
			t.Errorf("all totals %v, want %v", got, want)
		}
	})
	t.Run("GroupedByRiskGroupIndustryAndSize", func(t *testing.T) {
		for _, c := range []struct {
			name  string
			peers score.PeerStats
			want  []int
		}{
			{"risk group GII", pops.RiskGroup, []int{60, 70, 80, 90, 120}},
			{"industry manufacturing", pops.Industry, []int{70, 90, 100, 110, 120}},
			{"size 21-100", pops.Size, []int{70, 80, 90, 100}},
		} {
			if got := totals(c.peers); !slices.Equal(got, c.want) {
				t.Errorf("%s: totals %v, want %v", c.name, got, c.want)
			}
		}
	})
	t.Run("StatisticsFromThePopulation", func(t *testing.T) {
		// Risk group GII: 60 70 80 90 120, own 90. Mean 84, population sd
		// √((576+196+16+36+1296)/5) = √424 = 20.59, 偏差値 50 + 10×6/20.59
		// = 52.9, percentile (3 below + ½) / 5 = 70.
		g := pops.RiskGroup.Stats("risk_group", "GII", pops.Own.Total)
		if g.N != 5 || g.Mean != 84 || g.SD != 20.59 || g.DeviationScore != 52.9 || g.Percentile != 70 {
			t.Errorf("GII stats %+v", g)
		}
		// Size 21–100 has 4: not enough.
		if s := pops.Size.Stats("size", "21-100", pops.Own.Total); s.EnoughData || s.N != 4 {
			t.Errorf("size stats %+v, want n 4 without statistics", s)
		}
	})
	t.Run("OwnWithoutProfileHasNoSizeGroup", func(t *testing.T) {
		o := p.org("新規", "education", 0)
		id := p.result(o, "approved", y2026, 75, "GII", 0)
		if _, err := p.st.RebuildPeerStats(ctx); err != nil {
			t.Fatal(err)
		}
		pp, err := p.st.BenchmarkGroups(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if pp.Own.SizeBand != "" || pp.Size.N != 0 || pp.Own.Industry != "education" {
			t.Errorf("own %+v size %v", pp.Own, pp.Size)
		}
		if got, want := totals(pp.Industry), []int{75, 80}; !slices.Equal(got, want) {
			t.Errorf("education totals %v, want %v", got, want)
		}
	})
	t.Run("NotSubmittedIsConflict", func(t *testing.T) {
		var draft string
		if err := p.st.PoolForTest().QueryRow(ctx, `INSERT INTO assessments (org_id, title, checklist_id) VALUES ($1, 'd', 'ipa-benchmark-4') RETURNING id`, own).Scan(&draft); err != nil {
			t.Fatal(err)
		}
		if _, err := p.st.BenchmarkGroups(ctx, draft); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("draft: err %v, want Conflict", err)
		}
	})
	t.Run("UnknownIsNotFound", func(t *testing.T) {
		for _, id := range []string{"00000000-0000-0000-0000-000000000000", "not-a-uuid"} {
			if _, err := p.st.BenchmarkGroups(ctx, id); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("%s: err %v, want NotFound", id, err)
			}
		}
	})
}

// peerSnapshot is every organisation's contribution and every group's sums,
// as text to compare.
func peerSnapshot(t *testing.T, st *store.Store) string {
	t.Helper()
	var s string
	err := st.PoolForTest().QueryRow(context.Background(), `
		SELECT coalesce((SELECT string_agg(concat_ws(' ', org_id, total, risk_index, risk_group, industry, size_band, category_averages), E'\n' ORDER BY org_id) FROM org_peers), '')
			|| E'\n--\n' ||
			coalesce((SELECT string_agg(concat_ws(' ', kind, key, stats), E'\n' ORDER BY kind, key) FROM peer_stats
				WHERE (stats->>'n')::int > 0), '')`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPeerStatsFollowChanges: approvals, reopenings, a decision's new date,
// profile and industry changes keep the maintained sums exactly what a
// rebuild from the assessments computes.
func TestPeerStatsFollowChanges(t *testing.T) {
	ctx := context.Background()
	p := newPeerDB(t)
	by := store.Actor{Email: "test"}
	move := func(id string, from, to assessment.Status, action assessment.Action) {
		t.Helper()
		if _, err := p.st.ChangeStatus(ctx, store.StatusChange{AssessmentID: id, From: from, To: to, Action: action, Actor: by}); err != nil {
			t.Fatal(err)
		}
	}
	same := func(step string) {
		t.Helper()
		kept := peerSnapshot(t, p.st)
		if _, err := p.st.RebuildPeerStats(ctx); err != nil {
			t.Fatal(err)
		}
		if rebuilt := peerSnapshot(t, p.st); kept != rebuilt {
			t.Fatalf("after %s the kept sums differ from a rebuild:\nkept:\n%s\nrebuilt:\n%s", step, kept, rebuilt)
		}
	}
	if _, err := p.st.RebuildPeerStats(ctx); err != nil { // nothing yet: marks the sums built
		t.Fatal(err)
	}
	a := p.org("甲", "manufacturing", 50)
	b := p.org("乙", "education", 500)
	c := p.org("丙", "manufacturing", 0)
	a1 := p.result(a, "submitted", y2024, 60, "GII", 10)
	b1 := p.result(b, "submitted", y2025, 90, "GI", 40)
	c1 := p.result(c, "submitted", y2025, 120, "GIII", 0)
	move(a1, assessment.Submitted, assessment.Approved, assessment.Approve)
	move(b1, assessment.Submitted, assessment.Approved, assessment.Approve)
	move(c1, assessment.Submitted, assessment.Approved, assessment.Approve)
	same("three approvals")
	a2 := p.result(a, "submitted", y2025, 100, "GII", 10)
	move(a2, assessment.Submitted, assessment.Approved, assessment.Approve)
	same("a newer approval")
	move(a2, assessment.Approved, assessment.Returned, assessment.Reopen)
	same("reopening the latest")
	if err := p.st.BackdateDecision(ctx, a1, y2026); err != nil {
		t.Fatal(err)
	}
	same("a decision's new date")
	if _, _, err := p.st.SaveProfile(ctx, b, score.Profile{Industry: "manufacturing", Employees: 15, ITDependence: 2}, nil, by); err != nil {
		t.Fatal(err)
	}
	same("a profile change")
	if _, err := p.st.UpdateOrg(ctx, c, "丙", nil, "education"); err != nil {
		t.Fatal(err)
	}
	same("the industry of an organisation without a profile")
	var n int
	if err := p.st.PoolForTest().QueryRow(ctx, `SELECT (stats->>'n')::int FROM peer_stats WHERE kind = 'industry' AND key = 'manufacturing'`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("manufacturing holds %d organisations, %v; want 2 (甲 and 乙 now)", n, err)
	}
}

// TestBenchmarkSumsCached: an instance decodes each version of a group's
// sums once; a change made through another instance is a new version and is
// read on the next benchmark.
func TestBenchmarkSumsCached(t *testing.T) {
	ctx := context.Background()
	url := storetest.URL(t)
	p := peerDB{t: t, st: storetest.Open(t, url)}
	other := storetest.Open(t, url)
	by := store.Actor{Email: "test"}
	a := p.org("甲", "manufacturing", 50)
	b := p.org("乙", "manufacturing", 60)
	viewed := p.result(a, "submitted", y2025, 80, "GII", 10)
	b1 := p.result(b, "submitted", y2025, 100, "GII", 10)
	if _, err := p.st.ChangeStatus(ctx, store.StatusChange{AssessmentID: b1, From: assessment.Submitted, To: assessment.Approved, Action: assessment.Approve, Actor: by}); err != nil {
		t.Fatal(err)
	}
	read := func(st *store.Store) store.BenchmarkGroups {
		t.Helper()
		g, err := st.BenchmarkGroups(ctx, viewed)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	first := read(other)
	if got := totals(first.Industry); !slices.Equal(got, []int{80, 100}) {
		t.Fatalf("industry totals %v, want [80 100]", got)
	}
	// The sums changed behind the versions' back (triggers off): an
	// instance that holds the version does not read them again, and what
	// the first caller was given (the viewed assessment added) did not
	// change the cache.
	if _, err := storetest.DB(t, p.st).Exec(ctx, `
		BEGIN; SET LOCAL session_replication_role = replica;
		UPDATE peer_stats SET stats = jsonb_set(stats, '{n}', '99') WHERE kind = 'industry';
		COMMIT`); err != nil {
		t.Fatal(err)
	}
	if again := read(other); again.Industry.N != first.Industry.N {
		t.Errorf("cached sums read again: n %d, first %d", again.Industry.N, first.Industry.N)
	}
	// A change through the other instance is a new version.
	if _, err := storetest.DB(t, p.st).Exec(ctx, `UPDATE peer_stats SET stats = jsonb_set(stats, '{n}', '1') WHERE kind = 'industry'`); err != nil {
		t.Fatal(err)
	}
	if _, err := p.st.RebuildPeerStats(ctx); err != nil {
		t.Fatal(err)
	}
	c := p.org("丙", "manufacturing", 70)
	c1 := p.result(c, "submitted", y2025, 120, "GII", 10)
	if _, err := p.st.ChangeStatus(ctx, store.StatusChange{AssessmentID: c1, From: assessment.Submitted, To: assessment.Approved, Action: assessment.Approve, Actor: by}); err != nil {
		t.Fatal(err)
	}
	if got := totals(read(other).Industry); !slices.Equal(got, []int{80, 100, 120}) {
		t.Errorf("after an approval elsewhere: industry totals %v, want [80 100 120]", got)
	}
}
