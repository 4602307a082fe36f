package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"mamori/checklist"
	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/policy"
	"mamori/web/i18n"
)

func (s *Server) apiChecklists(w http.ResponseWriter, r *http.Request) {
	out := []map[string]string{}
	for _, c := range checklist.All() {
		v := c.APIView(i18n.Lang(r.Context()))
		out = append(out, map[string]string{"id": v.ID, "title": v.Title, "version": v.Version})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiChecklist(w http.ResponseWriter, r *http.Request) {
	c, ok := checklist.Get(chi.URLParam(r, "checklistID"))
	if !ok {
		s.apiError(w, r, apperr.ErrNotFound)
		return
	}
	writeJSON(w, http.StatusOK, c.APIView(i18n.Lang(r.Context())))
}

// apiAssessmentsPageSize is the number of assessments per API list page.
const apiAssessmentsPageSize = 100

// apiAssessments lists a page of the assessments the caller sees
// (?page=, from 1); a Link header names the next page when there is one.
func (s *Server) apiAssessments(w http.ResponseWriter, r *http.Request) {
	page := listPage(r)
	as, more, err := s.assessmentsPage(r.Context(), page, apiAssessmentsPageSize)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]apiAssessment, len(as))
	for i, a := range as {
		out[i] = toAPI(a, nil)
	}
	if more {
		w.Header().Set("Link", fmt.Sprintf(`</api/v1/assessments?page=%d>; rel="next"`, page+1))
	}
	writeJSON(w, http.StatusOK, map[string]any{"assessments": out})
}

func (s *Server) apiAssessmentCreate(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Title       string `json:"title"`
		ChecklistID string `json:"checklist_id"`
		CopyFrom    string `json:"copy_from"`
	}
	if err := decodeJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	a, err := s.createAssessment(r, strings.TrimSpace(body.Title), body.ChecklistID, body.CopyFrom)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	answers, err := s.store.Answers(r.Context(), a.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toAPI(a, answers))
}

func (s *Server) apiAssessment(w http.ResponseWriter, r *http.Request) {
	a, _, err := s.loadAssessment(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	answers, err := s.store.Answers(r.Context(), a.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	links, err := s.store.AnswerEvidence(r.Context(), a.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := toAPI(a, answers)
	for q, x := range out.Answers {
		ev := answerEvidenceJSON(links[q], s.now())
		x.Evidence = &ev
		out.Answers[q] = x
	}
	writeJSON(w, http.StatusOK, out)
}

// apiAnswerSave is PUT /api/v1/assessments/{id}/answers/{question_id}.
func (s *Server) apiAnswerSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, _, q, err := s.loadQuestionToSave(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := policy.EditAnswers(principal(ctx), a.OrgID, a.Status); err != nil {
		s.apiError(w, r, err)
		return
	}
	var body struct {
		Level     json.RawMessage `json:"level"`
		Comment   string          `json:"comment"`
		PointsMet []string        `json:"points_met"`
		Version   *int            `json:"version"`
	}
	if err := decodeJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	v := assessment.AnswerValues{Comment: body.Comment, PointsMet: body.PointsMet}
	if body.Version == nil {
		s.apiError(w, r, apperr.InvalidFieldsK("err.version_required", map[string]string{"version": "required"}))
		return
	}
	v.Version = *body.Version
	if len(body.Level) > 0 && string(body.Level) != "null" {
		var n int
		if err := json.Unmarshal(body.Level, &n); err != nil {
			s.apiError(w, r, apperr.InvalidFieldsK("err.level_type", map[string]string{"level": "type"}))
			return
		}
		v.Level = &n
	}
	v, err = assessment.ValidateAnswer(q, v)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	saved, err := s.store.SaveAnswer(ctx, a.ID, q.ID, v, actor(r))
	if err != nil {
		s.apiError(w, r, detailJSON(err, answerJSON))
		return
	}
	writeJSON(w, http.StatusOK, answerJSON(saved))
}

func (s *Server) apiSubmit(w http.ResponseWriter, r *http.Request) {
	a, _, err := s.loadAssessment(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	a, err = s.submit(r, a)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPI(a, nil))
}
