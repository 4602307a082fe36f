package server

import (
	"net/http"
	"unicode/utf8"

	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/policy"
	"mamori/internal/store"
	"mamori/web/i18n"
)

// withdraw takes a submission back (取り下げ) with a reason, shared by the
// page and the API: officers of the organisation, while it is submitted and
// no auditor has acted on it (409 otherwise, saying so).
func (s *Server) withdraw(r *http.Request, a store.Assessment, reason string) (store.Assessment, error) {
	ctx := r.Context()
	if _, err := policy.ChangeStatus(principal(ctx), a.OrgID, a.Status, assessment.Withdraw); err != nil {
		return store.Assessment{}, err
	}
	reason = normalizeText(reason)
	switch {
	case reason == "":
		return store.Assessment{}, apperr.InvalidFieldsK("assessment.withdraw_reason_required", map[string]string{"reason": "required"})
	case utf8.RuneCountInString(reason) > maxCommentRunes:
		return store.Assessment{}, apperr.InvalidFieldsK("comment.too_long", map[string]string{"reason": "length"}, maxCommentRunes)
	}
	return s.store.Withdraw(ctx, a.ID, reason, actor(r))
}

// handleWithdraw is the overview's withdrawal form.
func (s *Server) handleWithdraw(w http.ResponseWriter, r *http.Request) {
	a, _, err := s.loadAssessment(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return
	}
	if _, err := s.withdraw(r, a, r.PostForm.Get("reason")); err != nil {
		if e, ok := userError(r, err); ok && (e.Code == apperr.Invalid || e.Code == apperr.Conflict) {
			s.overview(w, r, statusOf(e.Code), overviewOpts{withdrawErr: e.Message, withdrawReason: r.PostForm.Get("reason")})
			return
		}
		s.pageError(w, r, err)
		return
	}
	s.flashRedirect(w, r, "ok", i18n.T(r.Context(), "assessment.withdrawn"), "/assessments/"+a.ID)
}

// apiWithdraw is POST /api/v1/assessments/{id}/withdraw {"reason": "..."}
// → 200 with the assessment, now a draft.
func (s *Server) apiWithdraw(w http.ResponseWriter, r *http.Request) {
	a, _, err := s.loadAssessment(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var body struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	out, err := s.withdraw(r, a, body.Reason)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPI(out, nil))
}
