package server

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"mamori/checklist"
	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/policy"
	"mamori/internal/store"
	"mamori/web/i18n"
)

const maxAssignNoteRunes = 1000

// assignmentTarget is the questions a target names: one question id, or a
// category id for all of its questions.
func assignmentTarget(cl *checklist.Checklist, target string) ([]string, bool) {
	if q, ok := cl.Question(target); ok {
		return []string{q.ID}, true
	}
	if c, ok := cl.Category(target); ok {
		ids := make([]string, len(c.Questions))
		for i, q := range c.Questions {
			ids[i] = q.ID
		}
		return ids, true
	}
	return nil, false
}

// assign is shared by the page and the API: officers of the organisation
// assign while the assessment is editable; the assignee must be an active
// officer of the organisation (checked in the store's transaction), the due
// date a date, the note at most 1,000 characters.
func (s *Server) assign(r *http.Request, a store.Assessment, questions []string, userID, dueOn, note string) ([]store.QuestionAssignment, error) {
	if err := policy.AssignQuestions(principal(r.Context()), a.OrgID, a.Status); err != nil {
		return nil, err
	}
	note = normalizeText(note)
	if !assessment.ValidText(note) {
		return nil, assessment.TextError("note")
	}
	if utf8.RuneCountInString(note) > maxAssignNoteRunes {
		return nil, apperr.InvalidFieldsK("assign.note_too_long", map[string]string{"note": "length"}, maxAssignNoteRunes)
	}
	var due *time.Time
	if dueOn = strings.TrimSpace(dueOn); dueOn != "" {
		d, err := time.Parse(time.DateOnly, dueOn)
		if err != nil {
			return nil, apperr.InvalidFieldsK("assign.due_invalid", map[string]string{"due_on": "date"})
		}
		due = &d
	}
	if strings.TrimSpace(userID) == "" {
		return nil, apperr.InvalidFieldsK("assign.user_invalid", map[string]string{"user_id": "required"})
	}
	return s.store.AssignQuestions(r.Context(), store.NewQuestionAssignment{
		AssessmentID: a.ID, QuestionIDs: questions, UserID: userID, DueOn: due, Note: note, Actor: actor(r)})
}

// handleAssign is the overview's assignment form: a question or a whole
// category to an officer; "remove" clears the target's assignments.
func (s *Server) handleAssign(w http.ResponseWriter, r *http.Request) {
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
	questions, ok := assignmentTarget(cl, r.PostForm.Get("target"))
	if !ok {
		s.overviewWith(w, r, http.StatusUnprocessableEntity, messageOf(r, apperr.InvalidFieldsK("assign.target_invalid", map[string]string{"target": "unknown"})))
		return
	}
	if r.PostForm.Get("remove") != "" {
		if err := policy.AssignQuestions(principal(ctx), a.OrgID, a.Status); err != nil {
			s.pageError(w, r, err)
			return
		}
		for _, q := range questions {
			if err := s.store.UnassignQuestion(ctx, a.ID, q, actor(r)); err != nil && !apperr.Is(err, apperr.NotFound) {
				s.pageError(w, r, err)
				return
			}
		}
		s.flashRedirect(w, r, "ok", i18n.T(ctx, "assign.removed"), "/assessments/"+a.ID+"#assignments")
		return
	}
	if _, err := s.assign(r, a, questions, r.PostForm.Get("user_id"), r.PostForm.Get("due_on"), r.PostForm.Get("note")); err != nil {
		if e, ok := userError(r, err); ok && e.Code == apperr.Invalid {
			s.overviewWith(w, r, http.StatusUnprocessableEntity, e.Message)
			return
		}
		s.pageError(w, r, err)
		return
	}
	s.flashRedirect(w, r, "ok", i18n.T(ctx, "assign.saved"), "/assessments/"+a.ID+"#assignments")
}
