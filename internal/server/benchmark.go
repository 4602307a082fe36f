package server

import (
	"net/http"

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

// benchmarkOf compares an assessment's frozen result with its peers; a
// draft or returned one is compared provisionally, from the answers so far
// (score.ProvisionalPeer).
func (s *Server) benchmarkOf(r *http.Request, a store.Assessment, cl *checklist.Checklist) (apiBenchmark, store.BenchmarkGroups, error) {
	ctx := r.Context()
	provisional := !frozenStatus(a.Status)
	var gs store.BenchmarkGroups
	var err error
	if provisional {
		answers, aerr := s.store.Answers(ctx, a.ID)
		if aerr != nil {
			return apiBenchmark{}, gs, aerr
		}
		dg, derr := s.diagnose(ctx, a, cl, answers)
		if derr != nil {
			return apiBenchmark{}, gs, derr
		}
		if dg.Report.Answered == 0 { // nothing to compare yet
			return apiBenchmark{}, gs, apperr.K(apperr.Conflict, "benchmark.no_answers")
		}
		own := store.BenchmarkPeer{Peer: score.ProvisionalPeer(dg.Report, dg.Risk.Index), RiskGroup: string(dg.Risk.Group)}
		gs, err = s.store.ProvisionalBenchmark(ctx, a.ID, own)
	} else {
		gs, err = s.store.BenchmarkGroups(ctx, a.ID)
	}
	if err != nil {
		return apiBenchmark{}, gs, err
	}
	own := gs.Own
	out := apiBenchmark{
		AssessmentID: a.ID, Total: own.Total, RiskIndex: own.RiskIndex, Provisional: provisional,
		Group:    gs.RiskGroup.Stats(kindRiskGroup, own.RiskGroup, own.Total),
		Industry: gs.Industry.Stats(kindIndustry, own.Industry, own.Total),
		Size:     gs.Size.Stats(kindSize, own.SizeBand, own.Total),
		Scatter:  apiScatter{N: gs.All.N, EnoughData: gs.All.N >= score.MinPeers},
	}
	if out.Scatter.EnoughData {
		for _, c := range gs.All.ScatterCells() {
			out.Scatter.Cells = append(out.Scatter.Cells, views.ScatterCell{RiskIndex: c.RiskIndex, TotalFrom: c.From, TotalTo: c.To, Count: c.Count})
		}
	}
	return out, gs, nil
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
	b, gs, err := s.benchmarkOf(r, a, cl)
	switch {
	case apperr.Is(err, apperr.Conflict):
		d.NoResult = true
	case err != nil:
		s.pageError(w, r, err)
		return
	default:
		d.Total, d.RiskIndex, d.OwnAverages = b.Total, b.RiskIndex, gs.Own.CategoryAverages
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
