package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"mamori/internal/apperr"
	"mamori/internal/policy"
	"mamori/web/i18n"
	"mamori/web/views"
)

// handleCompare shows, per question and per category, how the levels
// changed between another assessment of the same organisation ({other})
// and this one: +1 is a level raised since {other}.
func (s *Server) handleCompare(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, cl, err := s.loadAssessment(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	other, err := s.store.GetAssessment(ctx, chi.URLParam(r, "otherID"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	// Only within one organisation, and only between answers to the same
	// checklist; anything else is not there for this caller.
	if err := policy.ViewAssessment(principal(ctx), other.OrgID); err != nil {
		s.pageError(w, r, err)
		return
	}
	if other.OrgID != a.OrgID || other.ChecklistID != a.ChecklistID || other.ID == a.ID {
		s.pageError(w, r, apperr.ErrNotFound)
		return
	}
	d := views.CompareData{A: a, Other: other, Checklist: cl}
	if d.RA, err = s.levelsReport(ctx, a, cl); err != nil {
		s.pageError(w, r, err)
		return
	}
	if d.ROther, err = s.levelsReport(ctx, other, cl); err != nil {
		s.pageError(w, r, err)
		return
	}
	if _, d.Others, err = s.previousAndOthers(ctx, a); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.ComparePage(s.page(r, i18n.T(ctx, "compare.title"), "assessments"), d))
}

// handleComparePick is the target of the report's compare form
// (?other=<id>), and of a bare link: it sends the browser to the comparison
// with the chosen assessment, or with the previous submitted one (else
// the newest other one).
func (s *Server) handleComparePick(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, _, err := s.loadAssessment(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	prev, others, err := s.previousAndOthers(ctx, a)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	target := r.URL.Query().Get("other")
	switch {
	case target != "":
	case prev != nil:
		target = prev.ID
	case len(others) > 0:
		target = others[0].ID // the newest
	}
	for _, o := range others {
		if o.ID == target {
			http.Redirect(w, r, "/assessments/"+a.ID+"/compare/"+o.ID, http.StatusSeeOther)
			return
		}
	}
	if target != "" {
		s.pageError(w, r, apperr.ErrNotFound)
		return
	}
	s.flashRedirect(w, r, "info", i18n.T(ctx, "compare.none"), "/assessments/"+a.ID+"/report")
}
