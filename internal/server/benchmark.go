package server

import (
	"cmp"
	"net/http"
	"slices"

	"mamori/checklist"
	"mamori/internal/apperr"
	"mamori/internal/score"
	"mamori/internal/store"
	"mamori/web/i18n"
	"mamori/web/views"
)

// Benchmark group kinds, as the API names them.
const (
	kindRiskGroup = "risk_group"
	kindIndustry  = "industry"
	kindSize      = "size"
)

// scatterBin is the width of the total bands the scatter plot counts peers
// in: wide enough that a cell never shows one organisation's exact total.
const scatterBin = 5

// benchmarkOf compares an assessment's frozen result with its peers; a
// draft or returned one is compared provisionally, from the answers so far
// (score.ProvisionalPeer).
func (s *Server) benchmarkOf(r *http.Request, a store.Assessment, cl *checklist.Checklist) (apiBenchmark, store.BenchmarkPopulations, error) {
	ctx := r.Context()
	provisional := !frozenStatus(a.Status)
	var pops store.BenchmarkPopulations
	var err error
	if provisional {
		answers, aerr := s.store.Answers(ctx, a.ID)
		if aerr != nil {
			return apiBenchmark{}, pops, aerr
		}
		dg, derr := s.diagnose(ctx, a, cl, answers)
		if derr != nil {
			return apiBenchmark{}, pops, derr
		}
		if dg.Report.Answered == 0 { // nothing to compare yet
			return apiBenchmark{}, pops, apperr.K(apperr.Conflict, "benchmark.no_answers")
		}
		own := store.BenchmarkPeer{Peer: score.ProvisionalPeer(dg.Report, dg.Risk.Index), RiskGroup: string(dg.Risk.Group)}
		pops, err = s.store.ProvisionalBenchmark(ctx, a.ID, own)
	} else {
		pops, err = s.store.BenchmarkPopulations(ctx, a.ID)
	}
	if err != nil {
		return apiBenchmark{}, pops, err
	}
	own := pops.Own
	out := apiBenchmark{
		AssessmentID: a.ID, Total: own.Total, RiskIndex: own.RiskIndex, Provisional: provisional,
		Group:    score.Benchmark(kindRiskGroup, own.RiskGroup, pops.RiskGroup, own.Total),
		Industry: score.Benchmark(kindIndustry, own.Industry, pops.Industry, own.Total),
		Size:     score.Benchmark(kindSize, own.SizeBand, pops.Size, own.Total),
		Scatter:  apiScatter{N: len(pops.All), EnoughData: len(pops.All) >= score.MinPeers},
	}
	if out.Scatter.EnoughData {
		out.Scatter.Cells = scatterCells(pops.All)
	}
	return out, pops, nil
}

// scatterCells counts peers per risk index and band of scatterBin points of
// total, in order of risk index, then total.
func scatterCells(peers []score.Peer) []views.ScatterCell {
	type key struct{ risk, from int }
	counts := map[key]int{}
	for _, p := range peers {
		counts[key{p.RiskIndex, p.Total / scatterBin * scatterBin}]++
	}
	cells := make([]views.ScatterCell, 0, len(counts))
	for k, n := range counts {
		cells = append(cells, views.ScatterCell{RiskIndex: k.risk, TotalFrom: k.from, TotalTo: k.from + scatterBin - 1, Count: n})
	}
	slices.SortFunc(cells, func(a, b views.ScatterCell) int {
		return cmp.Or(cmp.Compare(a.RiskIndex, b.RiskIndex), cmp.Compare(a.TotalFrom, b.TotalFrom))
	})
	return cells
}

func (s *Server) apiBenchmark(w http.ResponseWriter, r *http.Request) {
	a, cl, err := s.loadAssessment(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out, _, err := s.benchmarkOf(r, a, cl)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// handleBenchmark is the peer benchmark page; a draft's is provisional
// (暫定（未提出）). A submitted assessment without a frozen result (from
// before results were frozen) has nothing to compare: the page says so.
func (s *Server) handleBenchmark(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, cl, err := s.loadAssessment(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := views.BenchmarkData{A: a, Checklist: cl, Provisional: !frozenStatus(a.Status)}
	b, pops, err := s.benchmarkOf(r, a, cl)
	switch {
	case apperr.Is(err, apperr.Conflict):
		d.NoResult = true
	case err != nil:
		s.pageError(w, r, err)
		return
	default:
		d.Total, d.RiskIndex, d.OwnAverages = b.Total, b.RiskIndex, pops.Own.CategoryAverages
		d.Groups = []views.BenchmarkGroup{
			benchmarkGroup(r, b.Group, b.Total, i18n.T(ctx, "benchmark.group.risk_group", b.Group.Key)),
			benchmarkGroup(r, b.Industry, b.Total, i18n.T(ctx, "benchmark.group.industry", i18n.T(ctx, "industry."+b.Industry.Key))),
			benchmarkGroup(r, b.Size, b.Total, sizeLabel(r, b.Size.Key)),
		}
		d.Scatter = views.Scatter{ID: "bench-scatter", Title: i18n.T(ctx, "benchmark.scatter.title"), Cells: b.Scatter.Cells,
			OwnRiskIndex: b.RiskIndex, OwnTotal: b.Total}
		d.ScatterN, d.ScatterEnough = b.Scatter.N, b.Scatter.EnoughData
	}
	s.render(w, r, http.StatusOK, views.BenchmarkPage(s.page(r, i18n.T(ctx, "benchmark.heading", a.Title), "assessments"), d))
}

func benchmarkGroup(r *http.Request, g score.GroupStats, own int, label string) views.BenchmarkGroup {
	return views.BenchmarkGroup{Stats: g, Label: label,
		Histogram: views.Histogram{ID: "hist-" + g.Kind, Title: i18n.T(r.Context(), "benchmark.histogram.title", label),
			Bins: g.Histogram, Mean: g.Mean, Own: own}}
}

// sizeLabel names a size band group ("従業員 21〜100名の組織").
func sizeLabel(r *http.Request, band string) string {
	if band == "" {
		return i18n.T(r.Context(), "benchmark.group.size_unknown")
	}
	return i18n.T(r.Context(), "benchmark.group.size", i18n.T(r.Context(), "benchmark.size."+band))
}
