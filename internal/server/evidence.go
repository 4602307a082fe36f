package server

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"mamori/checklist"
	"mamori/internal/apperr"
	"mamori/internal/evidence"
	"mamori/internal/policy"
	"mamori/internal/store"
	"mamori/web/i18n"
	"mamori/web/views"
)

// handleEvidenceLibrary is /evidence: the caller's organisation's library,
// with search (?q=) and filters (?question=, ?state=unused|expired|due).
func (s *Server) handleEvidenceLibrary(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(ctx)
	if err := policy.ViewEvidence(p, p.OrgID); err != nil {
		s.pageError(w, r, err)
		return
	}
	f, err := s.evidenceFilter(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	items, err := s.store.ListEvidence(ctx, p.OrgID, f)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	used, err := s.store.EvidenceUsage(ctx, p.OrgID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := views.EvidenceLibraryData{Items: items, Checklist: checklist.Default(), Q: f.Q, Question: f.QuestionID, State: f.State, Retired: f.Retired,
		CanManage: policy.ManageEvidence(p, p.OrgID) == nil, Today: s.now(), Used: used, Quota: s.cfg.EvidenceQuotaBytes}
	s.render(w, r, http.StatusOK, views.EvidenceLibrary(s.page(r, i18n.T(ctx, "evidence.library"), "evidence"), d))
}

// evidenceFailed shows a refused evidence change: on the page it came from
// as a flash message, or as an error page when there is nothing to go back
// to (not found, forbidden).
func (s *Server) evidenceFailed(w http.ResponseWriter, r *http.Request, err error, back string) {
	switch apperr.CodeOf(err) {
	case apperr.Invalid, apperr.Conflict, apperr.TooLarge, apperr.Malformed:
		s.flashRedirect(w, r, "error", messageOf(r, err), back)
	default:
		s.pageError(w, r, err)
	}
}

// handleEvidenceLibraryAdd is POST /evidence (multipart): a file or a link
// added to the library.
func (s *Server) handleEvidenceLibraryAdd(w http.ResponseWriter, r *http.Request) {
	e, err := s.createEvidence(w, r)
	if err != nil {
		s.evidenceFailed(w, r, err, "/evidence")
		return
	}
	s.flashRedirect(w, r, "ok", i18n.T(r.Context(), "evidence.added", e.Title), "/evidence")
}

// handleEvidenceEdit is POST /evidence/{id}: title, description, dates and
// the retired flag.
func (s *Server) handleEvidenceEdit(w http.ResponseWriter, r *http.Request) {
	e, err := s.loadEvidence(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := policy.ManageEvidence(principal(r.Context()), e.OrgID); err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return
	}
	title, desc := strings.TrimSpace(r.PostForm.Get("title")), strings.TrimSpace(r.PostForm.Get("description"))
	retired := r.PostForm.Get("retired") != ""
	p := store.EvidencePatch{Title: &title, Description: &desc, Retired: &retired}
	bad := map[string]string{}
	if title == "" || len([]rune(title)) > 200 {
		bad["title"] = "required"
	}
	if d, err := parseDate(r.PostForm.Get("effective_date")); err != nil || d == nil {
		bad["effective_date"] = "date"
	} else {
		p.EffectiveDate = d
	}
	rb, err := parseDate(r.PostForm.Get("review_by"))
	if err != nil {
		bad["review_by"] = "date"
	}
	p.ReviewBy = &rb
	if len(bad) > 0 {
		s.evidenceFailed(w, r, apperr.InvalidFieldsK("evidence.invalid", bad), "/evidence")
		return
	}
	if _, err := s.store.UpdateEvidence(r.Context(), e.ID, p, actor(r)); err != nil {
		s.evidenceFailed(w, r, err, "/evidence")
		return
	}
	s.flashRedirect(w, r, "ok", i18n.T(r.Context(), "evidence.saved", title), "/evidence")
}

// handleAnswerEvidenceAdd is POST /assessments/{id}/answers/{q}/evidence
// (multipart) from the category page: upload a file, add a link, or pick an
// item of the library (evidence_id), linked to the question and the key
// points ticked. A file already in the library links the existing item.
func (s *Server) handleAnswerEvidenceAdd(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, _, q, err := s.loadQuestion(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	back := "/assessments/" + a.ID + "/categories/" + q.CategoryID + "#q-" + q.ID
	if err := policy.LinkEvidence(principal(ctx), a.OrgID, a.Status); err != nil {
		s.evidenceFailed(w, r, err, back)
		return
	}
	f, err := s.readEvidenceForm(w, r)
	if err != nil {
		s.evidenceFailed(w, r, err, back)
		return
	}
	defer f.close()
	points := f.fields["point_ids"]
	for _, pid := range points {
		if !hasPoint(q.Points, pid) {
			s.evidenceFailed(w, r, apperr.InvalidFieldsK("evidence.invalid", map[string]string{"point_ids": "unknown"}), back)
			return
		}
	}
	id, msg := f.fields.Get("evidence_id"), "evidence.linked"
	if id == "" {
		n, err := newEvidence(f, a.OrgID, actor(r), s.cfg.EvidenceQuotaBytes)
		if err != nil {
			s.evidenceFailed(w, r, err, back)
			return
		}
		e, err := s.store.CreateEvidence(ctx, n)
		if ae, ok := apperr.As(err); ok && ae.Code == apperr.Conflict && ae.Detail != nil {
			// The same file is in the library: link that item instead.
			id, _ = ae.Detail.(map[string]any)["existing_id"].(string)
			msg, err = "evidence.linked_existing", nil
		} else if err == nil {
			id = e.ID
		}
		if err != nil {
			s.evidenceFailed(w, r, err, back)
			return
		}
	}
	if err := s.store.LinkEvidence(ctx, a.ID, q.ID, id, points, actor(r)); err != nil {
		s.evidenceFailed(w, r, err, back)
		return
	}
	s.flashRedirect(w, r, "ok", i18n.T(ctx, msg, q.ID), back)
}

// handleAnswerEvidenceRemove is POST …/evidence/{evidence_id}/remove: the
// item no longer backs the answer; with confirm=1, a carried-over link is
// confirmed instead.
func (s *Server) handleAnswerEvidenceRemove(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, _, q, err := s.loadQuestion(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	back := "/assessments/" + a.ID + "/categories/" + q.CategoryID + "#q-" + q.ID
	if err := policy.LinkEvidence(principal(ctx), a.OrgID, a.Status); err != nil {
		s.evidenceFailed(w, r, err, back)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return
	}
	id := chi.URLParam(r, "evidenceID")
	if r.PostForm.Get("confirm") != "" {
		err = s.confirmEvidence(r, a.ID, q.ID, id)
	} else {
		err = s.store.UnlinkEvidence(ctx, a.ID, q.ID, id, actor(r))
	}
	if err != nil {
		s.evidenceFailed(w, r, err, back)
		return
	}
	s.flashRedirect(w, r, "ok", i18n.T(ctx, "evidence.updated_links", q.ID), back)
}

// confirmEvidence links an item again with its key points: a carried-over
// link is confirmed.
func (s *Server) confirmEvidence(r *http.Request, assessmentID, questionID, evidenceID string) error {
	links, err := s.store.AnswerEvidence(r.Context(), assessmentID)
	if err != nil {
		return err
	}
	for _, l := range links[questionID] {
		if l.Evidence.ID == evidenceID {
			return s.store.LinkEvidence(r.Context(), assessmentID, questionID, evidenceID, l.PointIDs, actor(r))
		}
	}
	return apperr.ErrNotFound
}

// handleEvidenceReviewSet is POST /assessments/{id}/evidence-reviews/{evidence_id}
// from the review page: question_id, review, comment.
func (s *Server) handleEvidenceReviewSet(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, cl, err := s.loadAssessment(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := policy.ReviewEvidence(principal(ctx), a.OrgID); err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return
	}
	qid, review, comment := r.PostForm.Get("question_id"), r.PostForm.Get("review"), strings.TrimSpace(r.PostForm.Get("comment"))
	back := "/assessments/" + a.ID + "/review#rq-" + qid
	if _, ok := cl.Question(qid); !ok || !evidence.ValidReview(review) || len([]rune(comment)) > 2000 {
		s.evidenceFailed(w, r, apperr.InvalidFieldsK("evidence.review_invalid", map[string]string{"review": "invalid"}), back)
		return
	}
	if err := s.store.ReviewEvidence(ctx, a.ID, qid, chi.URLParam(r, "evidenceID"), review, comment, actor(r)); err != nil {
		s.evidenceFailed(w, r, err, back)
		return
	}
	s.flashRedirect(w, r, "ok", i18n.T(ctx, "evidence.reviewed", qid), back)
}
