package server

import (
	"context"
	"net/http"
	"strings"
	"unicode/utf8"

	"mamori/checklist"
	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/policy"
	"mamori/internal/score"
	"mamori/internal/store"
	"mamori/web/i18n"
	"mamori/web/views"
)

// maxCommentRunes bounds a comment, a return's comment and a reopening's
// reason.
const maxCommentRunes = 5000

// decide is an auditor's return, approval or reopening, shared by the page
// and the API. text is the return's comment or the reopening's reason
// (required for both) or an approval's optional comment; the store keeps it
// in the assessment's general thread and in the audit entry of the change.
// An approval over questions marked as needing attention needs o.ack
// (assessment.CheckApprovable, checked by the store with the row locked).
func (s *Server) decide(r *http.Request, a store.Assessment, action assessment.Action, text string, o decideOpts) (store.Assessment, error) {
	ctx := r.Context()
	to, err := policy.ChangeStatus(principal(ctx), a.OrgID, a.Status, action)
	if err != nil {
		return store.Assessment{}, s.explainConflict(ctx, a.ID, err)
	}
	text = normalizeText(text)
	field := "comment"
	if action == assessment.Reopen {
		field = "reason"
	}
	switch {
	case text == "" && action != assessment.Approve:
		return store.Assessment{}, apperr.InvalidFieldsK("review."+field+"_required", map[string]string{field: "required"})
	case utf8.RuneCountInString(text) > maxCommentRunes:
		return store.Assessment{}, apperr.InvalidFieldsK("comment.too_long", map[string]string{field: "length"}, maxCommentRunes)
	}
	if action == assessment.Approve && o.confirmUnviewed && !o.ack {
		open, err := s.openReview(ctx, a)
		if err != nil {
			return store.Assessment{}, err
		}
		if !open.Empty() {
			return store.Assessment{}, apperr.K(apperr.Invalid, "review.confirm_title").WithDetail(open)
		}
	}
	out, err := s.store.Decide(ctx, store.StatusChange{AssessmentID: a.ID, From: a.Status, To: to, Action: action, Comment: text, Actor: actor(r),
		AcknowledgeOpenMarks: o.ack})
	if err != nil {
		return store.Assessment{}, s.explainConflict(ctx, a.ID, err)
	}
	return out, nil
}

// decideOpts: ack acknowledges open findings (an approval's explicit
// confirmation); confirmUnviewed asks for it also when questions are not
// marked at all (the page asks; the API refuses only over findings).
type decideOpts struct{ ack, confirmUnviewed bool }

// explainConflict turns a refusal because the status moved into one that
// says who did what and when, so that the second of two auditors deciding
// at once sees what happened.
func (s *Server) explainConflict(ctx context.Context, assessmentID string, err error) error {
	if !apperr.Is(err, apperr.Conflict) {
		return err
	}
	cur, gerr := s.store.GetAssessment(ctx, assessmentID)
	ev, eerr := s.store.LatestStatusEvent(ctx, assessmentID)
	if gerr != nil || eerr != nil {
		return err
	}
	return apperr.K(apperr.Conflict, "review.conflict", ev.ActorName, views.FormatTime(ev.At),
		apperr.KeyArg("review.action."+string(ev.Action)), apperr.KeyArg("status."+string(cur.Status))).WithDetail(map[string]any{
		"status":      cur.Status,
		"last_action": map[string]any{"action": ev.Action, "actor": ev.Actor, "actor_name": ev.ActorName, "at": ev.At},
	})
}

// normalizeText trims a text and turns CRLF (as browsers send it) into LF.
func normalizeText(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

// reviewView is what the review page shows besides the stored state: a
// refused decision or comment, kept with its message.
type reviewView struct {
	decision views.DecisionForm
	confirm  *assessment.OpenReview // an approval that leaves these open: confirm
	draft    views.CommentDraft
	conflict string
}

// reviewPage renders /assessments/{id}/review: for auditors the place to
// mark, comment and decide; for officers and managers the same record, read
// only (officers reply in the threads).
func (s *Server) reviewPage(w http.ResponseWriter, r *http.Request, status int, v reviewView) {
	ctx := r.Context()
	a, cl, err := s.loadAssessment(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d, err := s.reviewData(ctx, a, cl)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Decision, d.Discussion.Draft, d.Conflict, d.ConfirmApproval = v.decision, v.draft, v.conflict, v.confirm
	d.Filter = views.ReviewFilter(r.URL.Query().Get("show"))
	s.render(w, r, status, views.Review(s.page(r, i18n.T(ctx, "review.title_of", a.Title), navFor(principal(ctx))), d))
}

func navFor(p *policy.Principal) string {
	if p != nil && p.Role == assessment.Auditor {
		return "reviews"
	}
	return "assessments"
}

func (s *Server) reviewData(ctx context.Context, a store.Assessment, cl *checklist.Checklist) (views.ReviewData, error) {
	p := principal(ctx)
	answers, err := s.store.Answers(ctx, a.ID)
	if err != nil {
		return views.ReviewData{}, err
	}
	marks, err := s.store.Marks(ctx, a.ID)
	if err != nil {
		return views.ReviewData{}, err
	}
	comments, err := s.store.Comments(ctx, a.ID)
	if err != nil {
		return views.ReviewData{}, err
	}
	subs, err := s.store.Submissions(ctx, a.ID)
	if err != nil {
		return views.ReviewData{}, err
	}
	d := views.ReviewData{A: a, Checklist: cl, Answers: answers, Marks: marks, Round: len(subs),
		Discussion: views.Discussion{AssessmentID: a.ID, Threads: store.Threads(comments), CanComment: policy.Comment(p, a.OrgID) == nil, From: "review"}}
	// What the submission under review (or approved) changed; while the
	// officers edit, the last two submissions say nothing about the answers.
	if n := len(subs); n >= 2 && (a.Status == assessment.Submitted || a.Status == assessment.Approved) {
		d.Changed = map[string]bool{}
		for _, c := range diffSnapshots(cl, subs[n-2].Answers, subs[n-1].Answers) {
			d.Changed[c.QuestionID] = true
		}
	}
	res, err := s.store.GetResult(ctx, a.ID)
	switch {
	case err == nil:
		// Scored against the targets frozen at the last submission.
		d.HasTargets, d.RiskGroup = true, string(res.RiskGroup)
	case !apperr.Is(err, apperr.NotFound):
		return views.ReviewData{}, err
	}
	d.Summary = score.Compute(store.ScoreChecklist(cl, i18n.Lang(ctx) == "en"), store.ScoreAnswers(answers), res.Targets)
	if d.HasTargets {
		d.Targets = res.Targets
	}
	if a.CopiedFrom != nil { // last time's answers, to show how each moved
		prev, err := s.store.Answers(ctx, *a.CopiedFrom)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return views.ReviewData{}, err
		}
		d.Previous = prev
	}
	d.CanMark = policy.Mark(p, a.OrgID) == nil && a.Status == assessment.Submitted
	d.CanReviewEvidence = policy.ReviewEvidence(p, a.OrgID) == nil && a.Status == assessment.Submitted
	if d.Evidence, err = s.store.AnswerEvidence(ctx, a.ID); err != nil {
		return views.ReviewData{}, err
	}
	d.Today = s.now()
	d.CanEdit = policy.EditAnswers(p, a.OrgID, a.Status) == nil
	for _, x := range []struct {
		action assessment.Action
		dst    *bool
	}{{assessment.Return, &d.CanReturn}, {assessment.Approve, &d.CanApprove}, {assessment.Reopen, &d.CanReopen}} {
		_, err := policy.ChangeStatus(p, a.OrgID, a.Status, x.action)
		*x.dst = err == nil
	}
	return d, nil
}

func (s *Server) handleReview(w http.ResponseWriter, r *http.Request) {
	s.reviewPage(w, r, http.StatusOK, reviewView{})
}

func (s *Server) handleReturn(w http.ResponseWriter, r *http.Request) {
	s.handleDecision(w, r, assessment.Return, "comment")
}

func (s *Server) handleApprove(w http.ResponseWriter, r *http.Request) {
	s.handleDecision(w, r, assessment.Approve, "comment")
}

func (s *Server) handleReopen(w http.ResponseWriter, r *http.Request) {
	s.handleDecision(w, r, assessment.Reopen, "reason")
}

// handleDecision is the form post of a return, approval or reopening. A
// refused one shows the review page again with the text kept: 422 for a
// missing comment, 409 (saying who acted first) when the status moved.
func (s *Server) handleDecision(w http.ResponseWriter, r *http.Request, action assessment.Action, field string) {
	ctx := r.Context()
	a, _, err := s.loadAssessment(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return
	}
	text := r.PostForm.Get(field)
	ack := r.PostForm.Get("acknowledge_open_marks") == "1"
	if _, err := s.decide(r, a, action, text, decideOpts{ack: ack, confirmUnviewed: true}); err != nil {
		e, ok := userError(r, err)
		var open assessment.OpenReview
		confirm := false
		if ok {
			open, confirm = e.Detail.(assessment.OpenReview)
		}
		switch {
		case ok && confirm:
			// Approving over open findings or questions nobody looked at:
			// the page names them and asks again.
			s.reviewPage(w, r, http.StatusUnprocessableEntity, reviewView{decision: views.DecisionForm{Action: string(action), Text: text}, confirm: &open})
		case ok && e.Code == apperr.Invalid:
			s.reviewPage(w, r, http.StatusUnprocessableEntity, reviewView{decision: views.DecisionForm{Action: string(action), Text: text, Error: e.Message}})
		case ok && e.Code == apperr.Conflict:
			s.reviewPage(w, r, http.StatusConflict, reviewView{conflict: e.Message})
		default:
			s.pageError(w, r, err)
		}
		return
	}
	s.flashRedirect(w, r, "ok", i18n.T(ctx, "review.done."+string(action)), "/assessments/"+a.ID+"/review")
}

// openReview is what an approval of a would leave open.
func (s *Server) openReview(ctx context.Context, a store.Assessment) (assessment.OpenReview, error) {
	cl, ok := checklist.Get(a.ChecklistID)
	if !ok {
		return assessment.OpenReview{}, apperr.ErrNotFound
	}
	marks, err := s.store.Marks(ctx, a.ID)
	if err != nil {
		return assessment.OpenReview{}, err
	}
	m := make(map[string]string, len(marks))
	for id, x := range marks {
		m[id] = x.Mark
	}
	return assessment.OpenItems(cl.QuestionIDs(), m), nil
}

// handleMarkSet is the form post of a question's mark (mark "" clears it).
func (s *Server) handleMarkSet(w http.ResponseWriter, r *http.Request) {
	a, _, q, err := s.loadQuestion(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return
	}
	if err := s.setMark(r, a, q.ID, r.PostForm.Get("mark")); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			s.reviewPage(w, r, http.StatusConflict, reviewView{conflict: messageOf(r, err)})
			return
		}
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/assessments/"+a.ID+"/review#rq-"+q.ID, http.StatusSeeOther)
}

// setMark is shared by the page and the API.
func (s *Server) setMark(r *http.Request, a store.Assessment, questionID, mark string) error {
	ctx := r.Context()
	if err := policy.Mark(principal(ctx), a.OrgID); err != nil {
		return err
	}
	if mark != "" && !store.ValidMark(mark) {
		return apperr.InvalidFieldsK("review.mark_invalid", map[string]string{"mark": "unknown"})
	}
	if a.Status != assessment.Submitted {
		return apperr.K(apperr.Conflict, "review.mark_not_submitted", apperr.KeyArg("status."+string(a.Status)))
	}
	return s.store.SetMark(ctx, a.ID, questionID, mark, actor(r))
}
