package server

import (
	"encoding/json"
	"fmt"
	"net/http"

	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/policy"
)

// apiReturn is POST /api/v1/assessments/{id}/return {"comment": "..."}.
func (s *Server) apiReturn(w http.ResponseWriter, r *http.Request) {
	s.apiDecision(w, r, assessment.Return, "comment")
}

// apiApprove is POST /api/v1/assessments/{id}/approve, with no body or
// {"comment": "...", "acknowledge_open_marks": true} (both optional; 422
// with "open_marks" while questions are marked as needing attention and the
// approval does not acknowledge them).
func (s *Server) apiApprove(w http.ResponseWriter, r *http.Request) {
	s.apiDecision(w, r, assessment.Approve, "comment")
}

// apiReopen is POST /api/v1/assessments/{id}/reopen {"reason": "..."}.
func (s *Server) apiReopen(w http.ResponseWriter, r *http.Request) {
	s.apiDecision(w, r, assessment.Reopen, "reason")
}

// apiDecision answers 200 with the assessment in its new status; 403 for
// roles that may not decide, 404 outside the caller's organisations, 409
// when the status does not allow it (with who acted last), 422 without the
// required comment or reason.
func (s *Server) apiDecision(w http.ResponseWriter, r *http.Request, action assessment.Action, field string) {
	a, _, err := s.loadAssessment(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var text string
	var ack bool
	if r.ContentLength != 0 { // no body reads as {}
		body := map[string]json.RawMessage{}
		if err := decodeJSON(r, &body); err != nil {
			s.apiError(w, r, err)
			return
		}
		for k, raw := range body {
			var dst any
			switch {
			case k == field:
				dst = &text
			case k == "acknowledge_open_marks" && action == assessment.Approve:
				dst = &ack
			default:
				s.apiError(w, r, apperr.K(apperr.Malformed, "err.json_unknown_field", k))
				return
			}
			if string(raw) == "null" {
				continue
			}
			if err := json.Unmarshal(raw, dst); err != nil {
				s.apiError(w, r, apperr.K(apperr.Malformed, "err.json_field_type", k))
				return
			}
		}
	}
	out, err := s.decide(r, a, action, text, decideOpts{ack: ack})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPI(out, nil))
}

// apiMarks is GET /api/v1/assessments/{id}/marks.
func (s *Server) apiMarks(w http.ResponseWriter, r *http.Request) {
	a, _, err := s.loadAssessment(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	marks, err := s.store.Marks(r.Context(), a.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"marks": marksJSON(marks)})
}

// apiMarkSet is PUT /api/v1/assessments/{id}/marks/{question_id}
// {"mark": "ok" | "needs_attention" | null}. Marks change only while the
// assessment is submitted (409 otherwise); null clears the mark.
func (s *Server) apiMarkSet(w http.ResponseWriter, r *http.Request) {
	a, _, q, err := s.loadQuestion(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var body struct {
		Mark json.RawMessage `json:"mark"`
	}
	if err := decodeJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := policy.Mark(principal(r.Context()), a.OrgID); err != nil {
		s.apiError(w, r, err)
		return
	}
	mark := ""
	switch {
	case len(body.Mark) == 0:
		s.apiError(w, r, apperr.InvalidFieldsK("review.mark_invalid", map[string]string{"mark": "required"}))
		return
	case string(body.Mark) != "null":
		if err := json.Unmarshal(body.Mark, &mark); err != nil || mark == "" {
			s.apiError(w, r, apperr.InvalidFieldsK("review.mark_invalid", map[string]string{"mark": "unknown"}))
			return
		}
	}
	if err := s.setMark(r, a, q.ID, mark); err != nil {
		s.apiError(w, r, err)
		return
	}
	var out any
	if mark != "" {
		out = mark
	}
	writeJSON(w, http.StatusOK, map[string]any{"question_id": q.ID, "mark": out})
}

// apiAudit is GET /api/v1/assessments/{id}/audit: the assessment's audit
// entries in order, with their hashes (recomputable with `mamori audit
// verify` by an operator, who sees the whole chain).
func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	a, _, err := s.loadAssessment(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := policy.ViewAudit(principal(r.Context()), a.OrgID); err != nil {
		s.apiError(w, r, err)
		return
	}
	es, err := s.store.AssessmentAudit(r.Context(), a.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": auditJSON(es)})
}

// apiReviews is GET /api/v1/reviews: the auditor's queue (oldest first),
// recent decisions, and the organisations they review with each one's
// latest assessment; ?page= (from 1) pages the queue and the organisations
// together, apiReviewsPageSize of each, with a Link header to the next
// page while either has more.
func (s *Server) apiReviews(w http.ResponseWriter, r *http.Request) {
	page := listPage(r)
	rv, err := s.reviews(r, page, page, apiReviewsPageSize)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if rv.queueMore || page*apiReviewsPageSize < rv.orgsTotal {
		w.Header().Set("Link", fmt.Sprintf(`</api/v1/reviews?page=%d>; rel="next"`, page+1))
	}
	writeJSON(w, http.StatusOK, map[string]any{"queue": queueJSON(rv.queue), "decisions": decisionsJSON(rv.decisions),
		"orgs": reviewedOrgsJSON(rv.orgs)})
}

// apiReviewsPageSize is the queue's and the organisations' page in the API.
const apiReviewsPageSize = 100

// recentDecisions is how many of an auditor's decisions /reviews lists.
const recentDecisions = 20
