package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"mamori/internal/apperr"
	"mamori/internal/policy"
)

// apiAssignments is GET /api/v1/assessments/{id}/assignments.
func (s *Server) apiAssignments(w http.ResponseWriter, r *http.Request) {
	a, _, err := s.loadAssessment(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := policy.ViewAssignments(principal(r.Context()), a.OrgID); err != nil {
		s.apiError(w, r, err)
		return
	}
	m, err := s.store.QuestionAssignments(r.Context(), a.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"assignments": assignmentsJSON(m)})
}

// apiAssign is PUT /api/v1/assessments/{id}/assignments/{question_id}
// {"user_id", "due_on"?, "note"?}; a category id assigns all of its
// questions. 422 for an assignee who is not an active officer of the
// assessment's organisation, 404 for an unknown question.
func (s *Server) apiAssign(w http.ResponseWriter, r *http.Request) {
	a, cl, err := s.loadAssessment(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	questions, ok := assignmentTarget(cl, chi.URLParam(r, "questionID"))
	if !ok {
		s.apiError(w, r, apperr.ErrNotFound)
		return
	}
	var body struct {
		UserID string `json:"user_id"`
		DueOn  string `json:"due_on"`
		Note   string `json:"note"`
	}
	if err := decodeJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	out, err := s.assign(r, a, questions, body.UserID, body.DueOn, body.Note)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	list := make([]assignmentJSON, len(out))
	for i, x := range out {
		list[i] = toAssignmentJSON(x)
	}
	writeJSON(w, http.StatusOK, map[string]any{"assignments": list})
}

// apiUnassign is DELETE /api/v1/assessments/{id}/assignments/{question_id}:
// 204, or 404 when the question has no assignment.
func (s *Server) apiUnassign(w http.ResponseWriter, r *http.Request) {
	a, _, q, err := s.loadQuestion(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := policy.AssignQuestions(principal(r.Context()), a.OrgID, a.Status); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.store.UnassignQuestion(r.Context(), a.ID, q.ID, actor(r)); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
