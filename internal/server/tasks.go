package server

import (
	"net/http"
	"slices"
	"time"

	"mamori/internal/action"
	"mamori/internal/assessment"
	"mamori/internal/policy"
	"mamori/internal/store"
	"mamori/web/i18n"
	"mamori/web/views"
)

// myTasks is what the signed-in user has to do, across organisations: the
// questions assigned to them that are unanswered or carried over and the
// open improvement actions they own, together by due date (earliest first,
// those without one last), then the reviews waiting for them (longest
// waiting first: the first taskReviews of them, and whether more wait).
func (s *Server) myTasks(r *http.Request) ([]views.TaskItem, bool, error) {
	ctx := r.Context()
	p := principal(ctx)
	if err := policy.OwnTasks(p); err != nil {
		return nil, false, err
	}
	ts, err := s.store.Tasks(ctx, p.OrgID, p.UserID)
	if err != nil {
		return nil, false, err
	}
	var out []views.TaskItem
	for _, t := range ts {
		out = append(out, views.TaskItem{Kind: "question", AssessmentID: t.AssessmentID, Title: t.Title, Org: t.OrgName,
			QuestionID: t.QuestionID, DueOn: t.DueOn, Note: t.Note, CarriedOver: t.CarriedOver,
			Href: views.QuestionHref(t.AssessmentID, t.QuestionID)})
	}
	as, err := s.store.ListActions(ctx, store.ActionFilter{OrgIDs: ownedScope(p), OwnerID: p.UserID, Statuses: []action.Status{action.Open, action.InProgress}})
	if err != nil {
		return nil, false, err
	}
	for _, a := range as {
		due := a.DueOn
		out = append(out, views.TaskItem{Kind: "action", ActionID: a.ID, Title: a.Title, Org: a.OrgName, DueOn: &due,
			Status: string(a.Status), Href: "/actions/" + a.ID})
	}
	slices.SortStableFunc(out, func(x, y views.TaskItem) int {
		switch {
		case x.DueOn == nil && y.DueOn == nil:
			return 0
		case x.DueOn == nil:
			return 1
		case y.DueOn == nil:
			return -1
		}
		return x.DueOn.Compare(*y.DueOn)
	})
	moreReviews := false
	if p.Role == assessment.Auditor {
		q, more, err := s.reviewQueue(ctx, p, 1, taskReviews)
		if err != nil {
			return nil, false, err
		}
		for _, x := range q {
			out = append(out, views.TaskItem{Kind: "review", AssessmentID: x.AssessmentID, Title: x.Title, Org: x.OrgName,
				Href: "/assessments/" + x.AssessmentID + "/review"})
		}
		moreReviews = more
	}
	return out, moreReviews, nil
}

// taskReviews is how many reviews the tasks list (the longest waiting; the
// rest are on /reviews).
const taskReviews = 50

// handleTasks is /tasks, "My tasks".
func (s *Server) handleTasks(w http.ResponseWriter, r *http.Request) {
	items, moreReviews, err := s.myTasks(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.TasksPage(s.page(r, i18n.T(r.Context(), "tasks.title"), "tasks"), views.TasksData{Items: items, MoreReviews: moreReviews, Today: time.Now()}))
}

// apiTasks is GET /api/v1/tasks: the caller's tasks.
func (s *Server) apiTasks(w http.ResponseWriter, r *http.Request) {
	items, moreReviews, err := s.myTasks(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]taskJSON, len(items))
	for i, t := range items {
		out[i] = taskJSON{Kind: t.Kind, AssessmentID: t.AssessmentID, ActionID: t.ActionID, Status: t.Status, Title: t.Title, Org: t.Org, QuestionID: t.QuestionID,
			DueOn: dateJSON(t.DueOn), Note: t.Note, CarriedOver: t.CarriedOver, Link: t.Href}
	}
	writeJSON(w, http.StatusOK, map[string]any{"tasks": out, "more_reviews": moreReviews})
}
