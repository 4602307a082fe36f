package server

import (
	"net/http"
	"unicode/utf8"

	"mamori/checklist"
	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/policy"
	"mamori/internal/store"
	"mamori/web/i18n"
	"mamori/web/views"
)

// addComment is shared by the pages and the API: officers of the
// organisation and auditors who see it write; the body is 1–5,000
// characters after trimming; questionID is one of the checklist's, or nil
// for a general comment.
func (s *Server) addComment(r *http.Request, a store.Assessment, cl *checklist.Checklist, questionID *string, body string) (store.Comment, error) {
	ctx := r.Context()
	if err := policy.Comment(principal(ctx), a.OrgID); err != nil {
		return store.Comment{}, err
	}
	body = normalizeText(body)
	qid := ""
	if questionID != nil {
		if _, ok := cl.Question(*questionID); !ok {
			return store.Comment{}, apperr.InvalidFieldsK("comment.question_unknown", map[string]string{"question_id": "unknown"})
		}
		qid = *questionID
	}
	switch n := utf8.RuneCountInString(body); {
	case !assessment.ValidText(body):
		return store.Comment{}, assessment.TextError("body")
	case n == 0:
		return store.Comment{}, apperr.InvalidFieldsK("comment.body_required", map[string]string{"body": "required"})
	case n > maxCommentRunes:
		return store.Comment{}, apperr.InvalidFieldsK("comment.too_long", map[string]string{"body": "length"}, maxCommentRunes)
	}
	return s.store.AddComment(ctx, store.NewComment{AssessmentID: a.ID, QuestionID: qid, Body: body, Actor: actor(r)})
}

// handleCommentCreate is the form post of a comment, from the review page or
// a category page ("from"); it returns to the thread it was written in. A
// refused comment shows that page again with the text kept (422).
func (s *Server) handleCommentCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, cl, err := s.loadAssessment(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return
	}
	qid, body, from := r.PostForm.Get("question_id"), r.PostForm.Get("body"), r.PostForm.Get("from")
	q, isQuestion := cl.Question(qid)
	if from != "review" && !isQuestion {
		from = "review" // a general comment lives on the review page only
	}
	var qp *string
	if qid != "" {
		qp = &qid
	}
	if _, err := s.addComment(r, a, cl, qp, body); err != nil {
		if !apperr.Is(err, apperr.Invalid) {
			s.pageError(w, r, err)
			return
		}
		draft := views.CommentDraft{QuestionID: qid, Body: body, Error: messageOf(r, err)}
		if from == "review" {
			s.reviewPage(w, r, http.StatusUnprocessableEntity, reviewView{draft: draft})
			return
		}
		d, derr := s.categoryData(r, q.CategoryID)
		if derr != nil {
			s.pageError(w, r, derr)
			return
		}
		d.Discussion.Draft = draft
		title := i18n.T(ctx, "assessment.category_n", d.Category.Number) + " " + d.A.Title
		s.render(w, r, http.StatusUnprocessableEntity, views.CategoryPage(s.page(r, title, "assessments"), d))
		return
	}
	to := "/assessments/" + a.ID + "/review#" + views.ThreadID(qid)
	if from == "category" {
		to = "/assessments/" + a.ID + "/categories/" + q.CategoryID + "#" + views.ThreadID(qid)
	}
	s.flashRedirect(w, r, "ok", i18n.T(ctx, "comment.posted"), to)
}

// apiComments is GET /api/v1/assessments/{id}/comments: every comment,
// oldest first.
func (s *Server) apiComments(w http.ResponseWriter, r *http.Request) {
	a, _, err := s.loadAssessment(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	cs, err := s.store.Comments(r.Context(), a.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"comments": commentsJSON(cs)})
}

// apiCommentCreate is POST /api/v1/assessments/{id}/comments
// {"question_id": "1-1" or null, "body": "..."}.
func (s *Server) apiCommentCreate(w http.ResponseWriter, r *http.Request) {
	a, cl, err := s.loadAssessment(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var body struct {
		QuestionID *string `json:"question_id"`
		Body       string  `json:"body"`
	}
	if err := decodeJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.addComment(r, a, cl, body.QuestionID, body.Body)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, commentJSON(c))
}
