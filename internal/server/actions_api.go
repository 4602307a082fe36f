package server

import (
	"context"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"mamori/checklist"
	"mamori/internal/action"
	"mamori/internal/apperr"
	"mamori/internal/policy"
	"mamori/internal/store"
)

// today is the calendar date actions are judged on (due, overdue, review).
func (s *Server) today() time.Time { return action.Today(s.now()) }

// reopenDueRisks reopens accepted risks whose review date has come before
// actions are shown, so that nobody sees an expired acceptance even between
// two sweeps. A failure is logged, never shown: the list is still right
// about everything else.
func (s *Server) reopenDueRisks(ctx context.Context) {
	if _, err := s.store.ReopenDueRisks(ctx, s.today()); err != nil {
		s.log.Warn("reopening accepted risks failed", "err", err)
	}
}

// actionOrg is the organisation in the URL, when the caller may see its
// actions (NotFound otherwise, or when it does not exist).
func (s *Server) actionOrg(r *http.Request) (string, error) {
	id := chi.URLParam(r, "orgID")
	if err := policy.ViewActions(principal(r.Context()), id); err != nil {
		return "", err
	}
	if _, err := s.store.GetOrg(r.Context(), id); err != nil {
		return "", err
	}
	return id, nil
}

// loadAction is the action in the URL when the caller may see it; another
// organisation's action is NotFound.
func (s *Server) loadAction(r *http.Request) (store.Action, error) {
	a, err := s.store.GetAction(r.Context(), chi.URLParam(r, "actionID"))
	if err != nil {
		return store.Action{}, err
	}
	if err := policy.ViewActions(principal(r.Context()), a.OrgID); err != nil {
		return store.Action{}, err
	}
	return a, nil
}

// loadEditableAction is loadAction for a change to the action's plan or
// notes: the caller must be allowed to edit it (policy.EditAction).
func (s *Server) loadEditableAction(r *http.Request) (store.Action, error) {
	a, err := s.loadAction(r)
	if err != nil {
		return store.Action{}, err
	}
	if err := policy.EditAction(principal(r.Context()), a.OrgID, a.OwnerID); err != nil {
		return store.Action{}, err
	}
	return a, nil
}

// actionFilter reads the list filters of a query: status (comma-separated),
// owner (a user id, or "me"), due_before (YYYY-MM-DD, inclusive), question
// and category. A bad value is Invalid naming the parameter.
func actionFilter(r *http.Request, p *policy.Principal) (store.ActionFilter, error) {
	q := r.URL.Query()
	var f store.ActionFilter
	bad := map[string]string{}
	for _, st := range strings.Split(q.Get("status"), ",") {
		if st = strings.TrimSpace(st); st == "" {
			continue
		}
		if !action.Status(st).Valid() {
			bad["status"] = action.ProblemInvalid
		}
		f.Statuses = append(f.Statuses, action.Status(st))
	}
	switch o := q.Get("owner"); o {
	case "":
	case "me":
		f.OwnerID = p.UserID
	default:
		f.OwnerID = o
	}
	if d := q.Get("due_before"); d != "" {
		t, err := action.ParseDate(d)
		if err != nil {
			bad["due_before"] = action.ProblemInvalid
		}
		f.DueBefore = &t
	}
	if qid := q.Get("question"); qid != "" {
		if _, ok := checklist.Default().Question(qid); !ok {
			bad["question"] = action.ProblemUnknown
		}
		f.QuestionID = qid
	}
	if c := q.Get("category"); c != "" {
		if _, ok := checklist.Default().Category(c); !ok {
			bad["category"] = action.ProblemUnknown
		}
		f.CategoryID = c
	}
	if len(bad) > 0 {
		return f, apperr.InvalidFieldsK("err.action_invalid", bad)
	}
	return f, nil
}

// apiActions is GET /api/v1/orgs/{orgID}/actions.
func (s *Server) apiActions(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	orgID, err := s.actionOrg(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f, err := actionFilter(r, principal(ctx))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f.OrgIDs = []string{orgID}
	s.reopenDueRisks(ctx)
	as, err := s.store.ListActions(ctx, f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"actions": actionsJSON(as, s.today())})
}

// apiMyActions is GET /api/v1/me/actions: the actions the caller owns, in
// every organisation.
func (s *Server) apiMyActions(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(ctx)
	if err := policy.MyActions(p); err != nil {
		s.apiError(w, r, err)
		return
	}
	f, err := actionFilter(r, p)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f.OwnerID = p.UserID
	if len(f.OrgIDs) == 0 {
		f.OrgIDs = ownedScope(p)
	}
	s.reopenDueRisks(ctx)
	as, err := s.store.ListActions(ctx, f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"actions": actionsJSON(as, s.today())})
}

// actionBody is the plan of an action as the API takes it.
type actionBody struct {
	Title              string           `json:"title"`
	Description        string           `json:"description"`
	Questions          []action.Planned `json:"questions"`
	PointIDs           []string         `json:"point_ids"`
	OwnerID            string           `json:"owner_id"`
	DueOn              string           `json:"due_on"`
	Priority           action.Priority  `json:"priority"`
	SourceAssessmentID string           `json:"source_assessment_id"`
}

func (b actionBody) plan() action.Plan {
	return action.Plan{Title: b.Title, Description: b.Description, Questions: b.Questions, PointIDs: b.PointIDs,
		OwnerID: b.OwnerID, DueOn: b.DueOn, Priority: b.Priority}
}

// currentLevels are the levels a plan must rise above: those of the
// assessment the action comes from, else of the organisation's newest
// assessment, else none. A source assessment of another organisation (or
// none at all) is an unknown source_assessment_id.
func (s *Server) currentLevels(ctx context.Context, orgID, sourceID string) (map[string]int, error) {
	if sourceID != "" {
		a, err := s.store.GetAssessment(ctx, sourceID)
		if apperr.Is(err, apperr.NotFound) || (err == nil && a.OrgID != orgID) {
			return nil, apperr.InvalidFieldsK("err.action_invalid", map[string]string{"source_assessment_id": action.ProblemUnknown})
		}
		if err != nil {
			return nil, err
		}
		return s.levelsOf(ctx, a.ID)
	}
	newest, err := s.store.NewestLevels(ctx, []string{orgID})
	if err != nil {
		return nil, err
	}
	if lv, ok := newest[orgID]; ok {
		return lv, nil
	}
	return map[string]int{}, nil
}

func (s *Server) levelsOf(ctx context.Context, assessmentID string) (map[string]int, error) {
	answers, err := s.store.Answers(ctx, assessmentID)
	if err != nil {
		return nil, err
	}
	m := make(map[string]int, len(answers))
	for id, a := range answers {
		if a.Level != nil {
			m[id] = *a.Level
		}
	}
	return m, nil
}

// newAction validates a plan for the organisation and turns it into what
// the store creates.
func (s *Server) newAction(ctx context.Context, orgID string, b actionBody) (store.NewAction, error) {
	current, err := s.currentLevels(ctx, orgID, b.SourceAssessmentID)
	if err != nil {
		return store.NewAction{}, err
	}
	due, err := action.CheckPlan(checklist.Default(), b.plan(), current, s.today(), true)
	if err != nil {
		return store.NewAction{}, err
	}
	return store.NewAction{OrgID: orgID, Title: strings.TrimSpace(b.Title), Description: b.Description, Questions: b.Questions,
		PointIDs: b.PointIDs, OwnerID: b.OwnerID, DueOn: due, Priority: b.Priority, SourceAssessmentID: b.SourceAssessmentID}, nil
}

// apiActionCreate is POST /api/v1/orgs/{orgID}/actions.
func (s *Server) apiActionCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	orgID := chi.URLParam(r, "orgID")
	if err := policy.CreateAction(principal(ctx), orgID); err != nil {
		s.apiError(w, r, err)
		return
	}
	var b actionBody
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	n, err := s.newAction(ctx, orgID, b)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	as, err := s.store.CreateActions(ctx, orgID, []store.NewAction{n}, actor(r))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, actionJSONAt(s.today())(as[0]))
}

// apiAction is GET /api/v1/actions/{actionID}.
func (s *Server) apiAction(w http.ResponseWriter, r *http.Request) {
	a, err := s.loadAction(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, actionJSONAt(s.today())(a))
}

// apiActionUpdate is PATCH /api/v1/actions/{actionID}: the fields sent
// replace the plan's, at the version the client read (required). A newer
// change in between answers 409 with the current action.
func (s *Server) apiActionUpdate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, err := s.loadEditableAction(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var b struct {
		Title       *string           `json:"title"`
		Description *string           `json:"description"`
		Questions   *[]action.Planned `json:"questions"`
		PointIDs    *[]string         `json:"point_ids"`
		OwnerID     *string           `json:"owner_id"`
		DueOn       *string           `json:"due_on"`
		Priority    *action.Priority  `json:"priority"`
		Version     *int              `json:"version"`
	}
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	if b.Version == nil {
		s.apiError(w, r, apperr.InvalidFieldsK("err.action_invalid", map[string]string{"version": action.ProblemRequired}))
		return
	}
	p := action.Plan{Title: a.Title, Description: a.Description, Questions: a.Questions, PointIDs: a.PointIDs,
		OwnerID: a.OwnerID, DueOn: a.DueOn.Format(time.DateOnly), Priority: a.Priority}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&p.Title, b.Title)
	set(&p.Description, b.Description)
	set(&p.OwnerID, b.OwnerID)
	set(&p.DueOn, b.DueOn)
	if b.Questions != nil {
		p.Questions = *b.Questions
	}
	if b.PointIDs != nil {
		p.PointIDs = *b.PointIDs
	}
	if b.Priority != nil {
		p.Priority = *b.Priority
	}
	current, err := s.currentLevels(ctx, a.OrgID, deref(a.SourceAssessmentID))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	// A due date already past may stay; a new one may not be in the past.
	due, err := action.CheckPlan(checklist.Default(), p, current, s.today(), b.DueOn != nil && *b.DueOn != a.DueOn.Format(time.DateOnly))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out, err := s.store.UpdateAction(ctx, a.ID, store.ActionUpdate{Title: strings.TrimSpace(p.Title), Description: p.Description,
		Questions: p.Questions, PointIDs: p.PointIDs, OwnerID: p.OwnerID, DueOn: due, Priority: p.Priority, Version: *b.Version}, actor(r))
	if err != nil {
		s.apiError(w, r, detailJSON(err, actionJSONAt(s.today())))
		return
	}
	writeJSON(w, http.StatusOK, actionJSONAt(s.today())(out))
}

// statusBody is a status change as the API and the forms take it.
type statusBody struct {
	Status      action.Status `json:"status"`
	Note        string        `json:"note"`
	EvidenceIDs []string      `json:"evidence_ids"`
	Reason      string        `json:"reason"`
	ReviewOn    string        `json:"review_on"`
}

// changeStatus authorises, validates and makes a status change.
func (s *Server) changeStatus(r *http.Request, a store.Action, b statusBody) (store.Action, error) {
	if err := policy.ChangeActionStatus(principal(r.Context()), a.OrgID, a.OwnerID, b.Status); err != nil {
		return store.Action{}, err
	}
	reviewOn, err := action.CheckChange(a.Status, action.Change{To: b.Status, Note: b.Note, EvidenceIDs: b.EvidenceIDs,
		Reason: b.Reason, ReviewOn: b.ReviewOn}, s.today())
	if err != nil {
		return store.Action{}, err
	}
	return s.store.ChangeActionStatus(r.Context(), a.ID, store.ActionStatusChange{From: a.Status, To: b.Status,
		Note: b.Note, EvidenceIDs: b.EvidenceIDs, Reason: b.Reason, ReviewOn: reviewOn}, actor(r))
}

// apiActionStatus is POST /api/v1/actions/{actionID}/status.
func (s *Server) apiActionStatus(w http.ResponseWriter, r *http.Request) {
	a, err := s.loadAction(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var b statusBody
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	out, err := s.changeStatus(r, a, b)
	if err != nil {
		s.apiError(w, r, detailJSON(err, actionJSONAt(s.today())))
		return
	}
	writeJSON(w, http.StatusOK, actionJSONAt(s.today())(out))
}

// apiActionNotes is GET /api/v1/actions/{actionID}/notes.
func (s *Server) apiActionNotes(w http.ResponseWriter, r *http.Request) {
	a, err := s.loadAction(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	ns, err := s.store.ActionNotes(r.Context(), a.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"notes": actionNotesJSON(ns)})
}

// checkNote: a progress note holds 1..MaxText characters.
func checkNote(body string) error {
	n := utf8.RuneCountInString(strings.TrimSpace(body))
	switch {
	case n == 0:
		return apperr.InvalidFieldsK("err.action_invalid", map[string]string{"body": action.ProblemRequired})
	case utf8.RuneCountInString(body) > action.MaxText:
		return apperr.InvalidFieldsK("err.action_invalid", map[string]string{"body": action.ProblemTooLong})
	}
	return nil
}

// apiActionNoteCreate is POST /api/v1/actions/{actionID}/notes {"body"}.
func (s *Server) apiActionNoteCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, err := s.loadEditableAction(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var b struct {
		Body string `json:"body"`
	}
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := checkNote(b.Body); err != nil {
		s.apiError(w, r, err)
		return
	}
	n, err := s.store.AddActionNote(ctx, a.ID, b.Body, actor(r))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, actionNotesJSON([]store.ActionNote{n})[0])
}
