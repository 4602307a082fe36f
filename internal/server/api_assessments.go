package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"mamori/checklist"
	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/policy"
	"mamori/internal/store"
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

// apiAssessment is the JSON shape of an assessment.
type apiAssessment struct {
	ID          string                  `json:"id"`
	OrgID       string                  `json:"org_id"`
	Title       string                  `json:"title"`
	ChecklistID string                  `json:"checklist_id"`
	Status      assessment.Status       `json:"status"`
	CopiedFrom  *string                 `json:"copied_from"`
	CreatedAt   time.Time               `json:"created_at"`
	UpdatedAt   time.Time               `json:"updated_at"`
	SubmittedAt *time.Time              `json:"submitted_at"`
	Progress    apiProgress             `json:"progress"`
	Answers     map[string]store.Answer `json:"answers,omitempty"`
}

type apiProgress struct {
	Answered    int `json:"answered"`
	Total       int `json:"total"`
	CarriedOver int `json:"carried_over"`
}

func toAPI(a store.Assessment, answers map[string]store.Answer) apiAssessment {
	total := 0
	if cl, ok := checklist.Get(a.ChecklistID); ok {
		total = cl.NumQuestions()
	}
	out := apiAssessment{ID: a.ID, OrgID: a.OrgID, Title: a.Title, ChecklistID: a.ChecklistID, Status: a.Status, CopiedFrom: a.CopiedFrom,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, SubmittedAt: a.SubmittedAt,
		Progress: apiProgress{Answered: a.Answered, Total: total, CarriedOver: a.CarriedOver}, Answers: answers}
	if answers != nil {
		out.Progress.Answered, out.Progress.CarriedOver = 0, 0
		for _, x := range answers {
			if x.Level != nil {
				out.Progress.Answered++
			}
			if x.CarriedOver {
				out.Progress.CarriedOver++
			}
		}
	}
	return out
}

func (s *Server) apiAssessments(w http.ResponseWriter, r *http.Request) {
	orgs, err := s.visibleOrgs(r.Context(), principal(r.Context()))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	as, err := s.store.ListAssessments(r.Context(), orgs)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]apiAssessment, len(as))
	for i, a := range as {
		out[i] = toAPI(a, nil)
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
	writeJSON(w, http.StatusOK, toAPI(a, answers))
}

// apiAnswerSave is PUT /api/v1/assessments/{id}/answers/{question_id}.
func (s *Server) apiAnswerSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, cl, err := s.loadAssessment(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	q, ok := cl.Question(chi.URLParam(r, "questionID"))
	if !ok {
		s.apiError(w, r, apperr.ErrNotFound)
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
		s.apiError(w, r, apperr.InvalidFields("version is required (0 for a new answer)", map[string]string{"version": "required"}))
		return
	}
	v.Version = *body.Version
	if len(body.Level) > 0 && string(body.Level) != "null" {
		var n int
		if err := json.Unmarshal(body.Level, &n); err != nil {
			s.apiError(w, r, apperr.InvalidFields("level must be an integer 1 to 5 or null", map[string]string{"level": "type"}))
			return
		}
		v.Level = &n
	}
	v, err = assessment.ValidateAnswer(q, v)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	saved, err := s.store.SaveAnswer(ctx, a.ID, q.ID, store.AnswerInput{Level: v.Level, Comment: v.Comment, PointsMet: v.PointsMet, Version: v.Version}, actor(r))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, saved)
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
