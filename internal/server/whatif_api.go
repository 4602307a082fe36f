package server

import (
	"context"
	"net/http"

	"mamori/checklist"
	"mamori/internal/action"
	"mamori/internal/apperr"
	"mamori/internal/score"
	"mamori/internal/store"
	"mamori/web/i18n"
)

// projection is an assessment as it is and as it would be with planned
// levels, scored by the report's own code (diagnose, score.Compute).
type projection struct {
	Today     score.Report
	Projected score.Report
	Delta     score.Delta
	Benchmark *apiWhatIfBenchmark
}

// checkLevels: every planned level names a question of the checklist and is
// 1..5; problems are reported as "levels.<question id>".
func checkLevels(cl *checklist.Checklist, levels map[string]int) error {
	bad := map[string]string{}
	for id, lv := range levels {
		switch _, ok := cl.Question(id); {
		case !ok:
			bad["levels."+id] = action.ProblemUnknown
		case lv < score.MinLevel || lv > score.MaxLevel:
			bad["levels."+id] = action.ProblemRange
		}
	}
	if len(bad) > 0 {
		return apperr.InvalidFieldsK("err.action_invalid", bad)
	}
	return nil
}

// scored is an assessment's answers and its diagnosis, what projections
// start from.
type scored struct {
	answers map[string]store.Answer
	d       diagnosis
}

// scoreToday loads and scores an assessment as it is.
func (s *Server) scoreToday(ctx context.Context, a store.Assessment, cl *checklist.Checklist) (scored, error) {
	answers, err := s.store.Answers(ctx, a.ID)
	if err != nil {
		return scored{}, err
	}
	d, err := s.diagnose(ctx, a, cl, answers)
	if err != nil {
		return scored{}, err
	}
	return scored{answers: answers, d: d}, nil
}

// project scores an assessment with planned levels. It reads, never writes.
func (s *Server) project(ctx context.Context, a store.Assessment, cl *checklist.Checklist, base scored, levels map[string]int) (projection, error) {
	answers, d := base.answers, base.d
	p := projection{Today: d.Report}
	p.Projected = score.Compute(store.ScoreChecklist(cl, i18n.Lang(ctx) == "en"),
		score.WithLevels(store.ScoreAnswers(answers), levels), d.Targets)
	p.Delta = score.DeltaOf(p.Today, p.Projected)

	gs, err := s.store.BenchmarkGroups(ctx, a.ID)
	switch {
	case apperr.Is(err, apperr.Conflict): // never submitted: nothing to rank
		return p, nil
	case err != nil:
		return projection{}, err
	}
	own := gs.Own.Peer
	proj := score.PeerOf(p.Projected, own.RiskIndex)
	group := func(kind, key string, ps score.PeerStats, holdsOwn bool) apiWhatIfGroup {
		projected := ps
		if holdsOwn {
			projected = ps.Replace(own, proj)
		}
		return apiWhatIfGroup{Today: ps.Stats(kind, key, own.Total), Projected: projected.Stats(kind, key, proj.Total)}
	}
	p.Benchmark = &apiWhatIfBenchmark{
		RiskGroup: group(kindRiskGroup, gs.Own.RiskGroup, gs.RiskGroup, true),
		Industry:  group(kindIndustry, gs.Own.Industry, gs.Industry, true),
		Size:      group(kindSize, gs.Own.SizeBand, gs.Size, gs.Own.SizeBand != ""),
	}
	return p, nil
}

// apiWhatIf is POST /api/v1/assessments/{id}/what-if {"levels":{"1-5":4}}:
// read-only, for whoever may read the report.
func (s *Server) apiWhatIf(w http.ResponseWriter, r *http.Request) {
	a, cl, err := s.loadAssessment(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var b struct {
		Levels map[string]int `json:"levels"`
	}
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := checkLevels(cl, b.Levels); err != nil {
		s.apiError(w, r, err)
		return
	}
	base, err := s.scoreToday(r.Context(), a, cl)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	p, err := s.project(r.Context(), a, cl, base, b.Levels)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if b.Levels == nil {
		b.Levels = map[string]int{}
	}
	writeJSON(w, http.StatusOK, apiWhatIf{AssessmentID: a.ID, Levels: b.Levels, Answered: p.Projected.Answered,
		TotalQuestions: p.Projected.TotalQuestions, Total: p.Projected.Total, Categories: p.Projected.Categories,
		Questions: p.Projected.Questions, Delta: p.Delta, Benchmark: p.Benchmark})
}
