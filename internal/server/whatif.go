package server

import (
	"net/http"
	"slices"
	"strconv"

	"mamori/internal/action"
	"mamori/internal/policy"
	"mamori/internal/score"
	"mamori/internal/store"
	"mamori/web/i18n"
	"mamori/web/views"
)

// handleWhatIf is the what-if planner, /assessments/{id}/what-if: planned
// levels (lv-<question>), ticked open actions (act) and recommendations
// (rec) give the projected scores beside today's. It is a GET form: it
// reads and never writes, works without JavaScript (its submit button), and
// htmx swaps only the results as a level changes.
func (s *Server) handleWhatIf(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, cl, err := s.loadAssessment(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	q := r.URL.Query()
	d := views.WhatIfData{A: a, Checklist: cl, Levels: map[string]int{}, ActChecked: map[string]bool{}, RecChecked: map[string]bool{}}
	base, err := s.scoreToday(ctx, a, cl)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Recs = base.d.Report.Recommendations
	if policy.ViewActions(principal(ctx), a.OrgID) == nil {
		d.Actions, err = s.store.ListActions(ctx, store.ActionFilter{OrgIDs: []string{a.OrgID},
			Statuses: []action.Status{action.Open, action.InProgress}})
		if err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	// Levels chosen by hand, then raised by ticked actions and
	// recommendations (an item never lowers a level).
	for _, qid := range cl.QuestionIDs() {
		if n, err := strconv.Atoi(q.Get("lv-" + qid)); err == nil && n >= score.MinLevel && n <= score.MaxLevel {
			d.Levels[qid] = n
		}
	}
	raise := func(qid string, lv int) { d.Levels[qid] = max(d.Levels[qid], lv) }
	for _, ac := range d.Actions {
		if slices.Contains(q["act"], ac.ID) {
			d.ActChecked[ac.ID] = true
			for _, p := range ac.Questions {
				raise(p.QuestionID, p.PlannedLevel)
			}
		}
	}
	for _, rec := range d.Recs {
		if slices.Contains(q["rec"], rec.QuestionID) {
			d.RecChecked[rec.QuestionID] = true
			raise(rec.QuestionID, rec.Target)
		}
	}
	p, err := s.project(ctx, a, cl, base, d.Levels)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Today, d.Projected, d.Delta = p.Today, p.Projected, p.Delta
	if b := p.Benchmark; b != nil {
		d.Bench = []views.WhatIfBench{
			{Label: i18n.T(ctx, "benchmark.group.risk_group", b.RiskGroup.Today.Key), Today: b.RiskGroup.Today, Projected: b.RiskGroup.Projected},
			{Label: i18n.T(ctx, "benchmark.group.industry", i18n.T(ctx, "industry."+b.Industry.Today.Key)), Today: b.Industry.Today, Projected: b.Industry.Projected},
			{Label: sizeLabel(r, b.Size.Today.Key), Today: b.Size.Today, Projected: b.Size.Projected},
		}
	}
	d.Suggestions = suggestions(d.Actions, d.Recs, p.Today)
	if r.Header.Get("HX-Request") == "true" {
		s.render(w, r, http.StatusOK, views.WhatIfResults(d))
		return
	}
	s.render(w, r, http.StatusOK, views.WhatIfPage(s.page(r, i18n.T(ctx, "whatif.heading", a.Title), "assessments"), d))
}

// suggestions ranks the open actions, by due date, and the recommendations
// no open action addresses yet, planned at their targets (score.Suggest).
func suggestions(actions []store.Action, recs []score.Recommendation, today score.Report) []views.WhatIfSuggestion {
	covered := map[string]bool{}
	var items []score.PlanItem
	byKey := map[string]views.WhatIfSuggestion{}
	for _, a := range actions { // listed by due date
		lv := map[string]int{}
		for _, p := range a.Questions {
			lv[p.QuestionID] = p.PlannedLevel
			covered[p.QuestionID] = true
		}
		key := "action:" + a.ID
		items = append(items, score.PlanItem{Key: key, Levels: lv})
		byKey[key] = views.WhatIfSuggestion{Title: a.Title, Href: "/actions/" + a.ID, IsAction: true}
	}
	for _, rec := range recs {
		if covered[rec.QuestionID] {
			continue
		}
		key := "rec:" + rec.QuestionID
		items = append(items, score.PlanItem{Key: key, Levels: map[string]int{rec.QuestionID: rec.Target}})
		byKey[key] = views.WhatIfSuggestion{QuestionID: rec.QuestionID, Target: rec.Target}
	}
	ranked := score.Suggest(items, today)
	out := make([]views.WhatIfSuggestion, 0, len(ranked))
	for _, sg := range ranked {
		if sg.Gain == 0 {
			continue
		}
		v := byKey[sg.Key]
		v.Gain, v.Weight = sg.Gain, sg.Weight
		out = append(out, v)
	}
	return out
}
