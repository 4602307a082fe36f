package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"mamori/internal/apperr"
	"mamori/internal/policy"
	"mamori/web/i18n"
)

// confirmCategory confirms the carried-over answers of the category named
// in the URL that nobody changed, shared by the page and the API.
func (s *Server) confirmCategory(r *http.Request) (assessmentID, categoryID string, confirmed []string, err error) {
	a, cl, err := s.loadAssessment(r)
	if err != nil {
		return "", "", nil, err
	}
	cat, ok := cl.Category(chi.URLParam(r, "category"))
	if !ok {
		return "", "", nil, apperr.ErrNotFound
	}
	if err := policy.ConfirmCarried(principal(r.Context()), a.OrgID, a.Status); err != nil {
		return "", "", nil, err
	}
	ids := make([]string, len(cat.Questions))
	for i, q := range cat.Questions {
		ids[i] = q.ID
	}
	confirmed, err = s.store.ConfirmCarried(r.Context(), a.ID, ids, actor(r))
	return a.ID, cat.ID, confirmed, err
}

// handleConfirmCategory is the category page's 「このカテゴリの引継ぎ回答を
// まとめて確認」: back to the category with how many were confirmed.
func (s *Server) handleConfirmCategory(w http.ResponseWriter, r *http.Request) {
	id, cat, confirmed, err := s.confirmCategory(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flashRedirect(w, r, "ok", i18n.T(r.Context(), "category.confirmed_n", len(confirmed)), "/assessments/"+id+"/categories/"+cat)
}

// apiConfirmCategory is POST /api/v1/assessments/{id}/categories/{n}/confirm
// → 200 {"confirmed": [question ids]} (empty when nothing was left to
// confirm); 403 for others than the organisation's officers, 409 once
// submitted or approved.
func (s *Server) apiConfirmCategory(w http.ResponseWriter, r *http.Request) {
	_, _, confirmed, err := s.confirmCategory(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"confirmed": confirmed})
}
