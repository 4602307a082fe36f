package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"mamori/checklist"
	"mamori/internal/apperr"
	"mamori/internal/evidence"
	"mamori/internal/policy"
	"mamori/internal/store"
)

// loadEvidence is the item {evidenceID} names, when the caller may see its
// organisation (NotFound otherwise, as for an id that does not exist).
func (s *Server) loadEvidence(r *http.Request) (store.Evidence, error) {
	e, err := s.store.GetEvidence(r.Context(), chi.URLParam(r, "evidenceID"))
	if err != nil {
		return store.Evidence{}, err
	}
	if err := policy.ViewEvidence(principal(r.Context()), e.OrgID); err != nil {
		return store.Evidence{}, err
	}
	return e, nil
}

// createEvidence reads an upload (a file or a link) and adds it to the
// caller's organisation's library.
func (s *Server) createEvidence(w http.ResponseWriter, r *http.Request) (store.Evidence, error) {
	p := principal(r.Context())
	if err := policy.ManageEvidence(p, p.OrgID); err != nil {
		return store.Evidence{}, err
	}
	f, err := s.readEvidenceForm(w, r)
	if err != nil {
		return store.Evidence{}, err
	}
	defer f.close()
	n, err := newEvidence(f, p.OrgID, actor(r), s.cfg.EvidenceQuotaBytes)
	if err != nil {
		return store.Evidence{}, err
	}
	return s.store.CreateEvidence(r.Context(), n)
}

// apiEvidenceCreate is POST /api/v1/evidence (multipart: title,
// effective_date, review_by, description, and a file part or a url). 201
// with the item; 413 over the size limit or the quota; 422 for a refused
// type, a contradicting extension or a refused link; 409 with existing_id
// when the same file is already in the library.
func (s *Server) apiEvidenceCreate(w http.ResponseWriter, r *http.Request) {
	e, err := s.createEvidence(w, r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, evidenceJSON(e, s.now()))
}

// evidenceFilter reads ?q=, ?question=, ?state=expired|due|unused and
// ?retired=true (retired items too).
func (s *Server) evidenceFilter(r *http.Request) (store.EvidenceFilter, error) {
	q := r.URL.Query()
	f := store.EvidenceFilter{Q: q.Get("q"), QuestionID: q.Get("question"), State: q.Get("state"), Today: s.now(),
		Retired: q.Get("retired") == "true" || q.Get("retired") == "1"}
	switch f.State {
	case "", "expired", "due", "unused":
	default:
		return f, apperr.InvalidFieldsK("evidence.state_invalid", map[string]string{"state": "expired, due or unused"})
	}
	return f, nil
}

// apiEvidenceList is GET /api/v1/evidence: the caller's organisation's
// library, newest first.
func (s *Server) apiEvidenceList(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	if err := policy.ViewEvidence(p, p.OrgID); err != nil {
		s.apiError(w, r, err)
		return
	}
	f, err := s.evidenceFilter(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	es, err := s.store.ListEvidence(r.Context(), p.OrgID, f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"evidence": evidenceListJSON(es, s.now())})
}

// apiEvidenceGet is GET /api/v1/evidence/{id}.
func (s *Server) apiEvidenceGet(w http.ResponseWriter, r *http.Request) {
	e, err := s.loadEvidence(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, evidenceJSON(e, s.now()))
}

// handleEvidenceContent is GET …/evidence/{id}/content, for the pages and
// the API: the file's bytes, honouring Range. A link has no contents (404).
func (s *Server) handleEvidenceContent(w http.ResponseWriter, r *http.Request) {
	fail := s.pageError
	if isAPI(r) {
		fail = s.apiError
	}
	e, err := s.loadEvidence(r)
	if err == nil && e.Kind != store.KindFile {
		err = apperr.ErrNotFound
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	s.serveEvidence(w, r, e)
}

// apiEvidencePatch is PATCH /api/v1/evidence/{id} {"title", "description",
// "effective_date", "review_by" (null clears), "retired"}: any of them.
func (s *Server) apiEvidencePatch(w http.ResponseWriter, r *http.Request) {
	e, err := s.loadEvidence(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var body struct {
		Title         *string         `json:"title"`
		Description   *string         `json:"description"`
		EffectiveDate *string         `json:"effective_date"`
		ReviewBy      json.RawMessage `json:"review_by"`
		Retired       *bool           `json:"retired"`
	}
	if err := decodeJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := policy.ManageEvidence(principal(r.Context()), e.OrgID); err != nil {
		s.apiError(w, r, err)
		return
	}
	p := store.EvidencePatch{Title: body.Title, Description: body.Description, Retired: body.Retired}
	bad := map[string]string{}
	if p.Title != nil {
		t := strings.TrimSpace(*p.Title)
		if t == "" || len([]rune(t)) > 200 {
			bad["title"] = "required"
		}
		p.Title = &t
	}
	if p.Description != nil && len([]rune(*p.Description)) > 2000 {
		bad["description"] = "length"
	}
	if body.EffectiveDate != nil {
		d, err := parseDate(*body.EffectiveDate)
		if err != nil || d == nil {
			bad["effective_date"] = "date"
		}
		p.EffectiveDate = d
	}
	if len(body.ReviewBy) > 0 {
		var v *string
		if err := json.Unmarshal(body.ReviewBy, &v); err != nil {
			bad["review_by"] = "date"
		} else {
			var d *time.Time
			if v != nil {
				if d, err = parseDate(*v); err != nil {
					bad["review_by"] = "date"
				}
			}
			p.ReviewBy = &d
		}
	}
	if len(bad) > 0 {
		s.apiError(w, r, apperr.InvalidFieldsK("evidence.invalid", bad))
		return
	}
	out, err := s.store.UpdateEvidence(r.Context(), e.ID, p, actor(r))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, evidenceJSON(out, s.now()))
}

// apiEvidenceDelete is DELETE /api/v1/evidence/{id}: 204, or 409 when the
// item backs a submitted or approved assessment.
func (s *Server) apiEvidenceDelete(w http.ResponseWriter, r *http.Request) {
	e, err := s.loadEvidence(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := policy.ManageEvidence(principal(r.Context()), e.OrgID); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.store.DeleteEvidence(r.Context(), e.ID, actor(r)); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiAnswerEvidenceLink is POST /api/v1/assessments/{id}/answers/{q}/evidence
// {"evidence_id", "point_ids"?}: 201; 409 when the assessment is not
// editable; 404 for an item of another organisation.
func (s *Server) apiAnswerEvidenceLink(w http.ResponseWriter, r *http.Request) {
	a, _, q, err := s.loadQuestion(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var body struct {
		EvidenceID string   `json:"evidence_id"`
		PointIDs   []string `json:"point_ids"`
	}
	if err := decodeJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := policy.LinkEvidence(principal(r.Context()), a.OrgID, a.Status); err != nil {
		s.apiError(w, r, err)
		return
	}
	if body.EvidenceID == "" {
		s.apiError(w, r, apperr.InvalidFieldsK("evidence.invalid", map[string]string{"evidence_id": "required"}))
		return
	}
	for _, pid := range body.PointIDs {
		if !hasPoint(q.Points, pid) {
			s.apiError(w, r, apperr.InvalidFieldsK("evidence.invalid", map[string]string{"point_ids": "unknown"}))
			return
		}
	}
	if err := s.store.LinkEvidence(r.Context(), a.ID, q.ID, body.EvidenceID, body.PointIDs, actor(r)); err != nil {
		s.apiError(w, r, err)
		return
	}
	pids := body.PointIDs
	if pids == nil {
		pids = []string{}
	}
	writeJSON(w, http.StatusCreated, map[string]any{"question_id": q.ID, "evidence_id": body.EvidenceID, "point_ids": pids})
}

// apiAnswerEvidenceUnlink is DELETE …/answers/{q}/evidence/{evidence_id}.
func (s *Server) apiAnswerEvidenceUnlink(w http.ResponseWriter, r *http.Request) {
	a, _, q, err := s.loadQuestion(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := policy.LinkEvidence(principal(r.Context()), a.OrgID, a.Status); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.store.UnlinkEvidence(r.Context(), a.ID, q.ID, chi.URLParam(r, "evidenceID"), actor(r)); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiEvidenceReview is PUT /api/v1/assessments/{id}/evidence-reviews/{evidence_id}
// {"question_id", "review": "accepted"|"insufficient", "comment"?}, for
// auditors while the assessment is submitted.
func (s *Server) apiEvidenceReview(w http.ResponseWriter, r *http.Request) {
	a, cl, err := s.loadAssessment(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var body struct {
		QuestionID string `json:"question_id"`
		Review     string `json:"review"`
		Comment    string `json:"comment"`
	}
	if err := decodeJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := policy.ReviewEvidence(principal(r.Context()), a.OrgID); err != nil {
		s.apiError(w, r, err)
		return
	}
	bad := map[string]string{}
	if _, ok := cl.Question(body.QuestionID); !ok {
		bad["question_id"] = "unknown"
	}
	if !evidence.ValidReview(body.Review) {
		bad["review"] = "accepted or insufficient"
	}
	if len([]rune(body.Comment)) > 2000 {
		bad["comment"] = "length"
	}
	if len(bad) > 0 {
		s.apiError(w, r, apperr.InvalidFieldsK("evidence.review_invalid", bad))
		return
	}
	id := chi.URLParam(r, "evidenceID")
	if err := s.store.ReviewEvidence(r.Context(), a.ID, body.QuestionID, id, body.Review, strings.TrimSpace(body.Comment), actor(r)); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"question_id": body.QuestionID, "evidence_id": id, "review": body.Review, "comment": strings.TrimSpace(body.Comment)})
}

func hasPoint(ps []checklist.Point, id string) bool {
	for _, p := range ps {
		if p.ID == id {
			return true
		}
	}
	return false
}
