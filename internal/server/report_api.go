package server

import (
	"net/http"
)

// apiReport is GET /api/v1/assessments/{id}/report: the scores against
// the targets, and what to do next.
func (s *Server) apiReport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, cl, err := s.loadAssessment(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	answers, err := s.store.Answers(ctx, a.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	d, err := s.diagnose(ctx, a, cl, answers)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, reportJSON(ctx, a, cl, d))
}
