package server

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"mamori/checklist"
	"mamori/internal/action"
	"mamori/internal/apperr"
	"mamori/internal/policy"
	"mamori/internal/store"
	"mamori/web/i18n"
	"mamori/web/views"
)

// actionsPageSize is the number of actions per list page, and
// actionOwnersShown the number of owners the owner filter offers.
const (
	actionsPageSize   = 50
	actionOwnersShown = 50
)

// handleActions is /actions: the improvement actions of the organisations
// the caller sees, filtered by organisation, status, owner ("me": my
// actions), category, overdue and due within 30 days, sorted by due date,
// priority or expected score gain, a page of 50 at a time. Filtering,
// sorting and paging are done by the store in SQL: an administrator's list
// costs one page, not every organisation's actions.
func (s *Server) handleActions(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(ctx)
	if err := policy.MyActions(p); err != nil { // every signed-in user has a list
		s.pageError(w, r, err)
		return
	}
	q := r.URL.Query()
	d := views.ActionsData{Checklist: checklist.Default(), Filter: views.ActionsFilter{Org: q.Get("org"), Status: q.Get("status"),
		Owner: q.Get("owner"), Category: q.Get("category"), Overdue: q.Get("overdue") == "1", Due30: q.Get("due30") == "1",
		Sort: q.Get("sort"), OrgQuery: q.Get("org_q")}}
	scope := reach(p)
	if d.Filter.Org != "" {
		if err := policy.ViewActions(p, d.Filter.Org); err != nil {
			s.pageError(w, r, err)
			return
		}
		scope = store.Reach{OrgIDs: []string{d.Filter.Org}}
	}
	var err error
	if d.Orgs, d.OrgQuery, d.MoreOrgs, err = s.orgChoices(r); err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, o := range d.Orgs {
		if policy.CreateAction(p, o.ID) == nil {
			d.CanCreateIn = append(d.CanCreateIn, o)
		}
	}
	// The owners of the chosen organisation, or the first by name of those
	// the caller sees.
	selected := d.Filter.Owner
	if selected == "me" {
		selected = ""
	}
	if d.Owners, err = s.store.ActionOwners(ctx, scope, selected, actionOwnersShown); err != nil {
		s.pageError(w, r, err)
		return
	}
	d.MoreOwners = len(d.Owners) >= actionOwnersShown
	aq := store.ActionQuery{OwnerID: selected, Overdue: d.Filter.Overdue, DueIn30: d.Filter.Due30, Today: s.today(),
		Sort: store.ActionSort(d.Filter.Sort), Page: listPage(r), Size: actionsPageSize}
	if d.Filter.Owner == "me" {
		// My actions: the ones I own, in every organisation I can see (an
		// owner moved to another organisation no longer reads the old one's).
		scope, aq.OwnerID = store.Reach{OrgIDs: ownedScope(p)}, p.UserID
	}
	if st := action.Status(d.Filter.Status); st.Valid() {
		aq.Status = st
	}
	if _, ok := d.Checklist.Category(d.Filter.Category); ok {
		aq.CategoryID = d.Filter.Category
	}
	s.reopenDueRisks(ctx)
	page, err := s.store.ListActionsPage(ctx, scope, aq)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Page, d.Pages, d.Capped = aq.Page, max(1, (page.Total+actionsPageSize-1)/actionsPageSize), page.Capped
	for _, a := range page.Actions {
		if policy.ViewActions(p, a.OrgID) != nil { // the policy has the last word on every row
			continue
		}
		d.Rows = append(d.Rows, views.ActionRow{A: a, Overdue: action.Overdue(a.Status, a.DueOn, aq.Today), Gain: a.Gain})
	}
	title := i18n.T(ctx, "actions.title")
	if d.Filter.Owner == "me" {
		title = i18n.T(ctx, "actions.mine")
	}
	s.render(w, r, http.StatusOK, views.ActionsPage(s.page(r, title, "actions"), d))
}

// handleActionNew is /actions/new?org=<id>: the form of an action written
// from scratch.
func (s *Server) handleActionNew(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	orgID := r.URL.Query().Get("org")
	if orgID == "" {
		orgID = principal(ctx).OrgID
	}
	if err := policy.CreateAction(principal(ctx), orgID); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.actionNewPage(w, r, http.StatusOK, orgID, views.ActionNewData{Form: url.Values{"due_on": {s.today().AddDate(0, 3, 0).Format(time.DateOnly)},
		"priority": {"medium"}, "planned_level": {"3"}, "owner_id": {principal(ctx).UserID}}})
}

func (s *Server) actionNewPage(w http.ResponseWriter, r *http.Request, status int, orgID string, d views.ActionNewData) {
	ctx := r.Context()
	org, err := s.store.GetOrg(ctx, orgID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if d.Members, err = s.store.OrgMembers(ctx, orgID); err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Org, d.Checklist = org, checklist.Default()
	s.render(w, r, status, views.ActionNewPage(s.page(r, i18n.T(ctx, "actions.new"), "actions"), d))
}

// handleActionCreate is POST /orgs/{orgID}/actions, from two forms: the
// report's recommendations (rec: question ids, or only: the one whose own
// button was pressed), each becoming an action planned at its target with
// its unticked key points; or the form of one action written from scratch.
func (s *Server) handleActionCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	org, err := s.loadOrgForm(r, policy.CreateAction)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f := r.PostForm
	var bodies []actionBody
	if f.Has("from_report") {
		bodies, err = s.recommendationBodies(r, org.ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		if len(bodies) == 0 {
			s.flashRedirect(w, r, "error", i18n.T(ctx, "actions.none_chosen"), "/assessments/"+url.PathEscape(f.Get("source_assessment_id"))+"/report#rec-h")
			return
		}
	} else {
		lv, _ := strconv.Atoi(f.Get("planned_level")) // not a number: 0, refused as out of range
		bodies = []actionBody{{Title: f.Get("title"), Description: f.Get("description"),
			Questions: []action.Planned{{QuestionID: f.Get("question_id"), PlannedLevel: lv}}, PointIDs: f["point_ids"],
			OwnerID: f.Get("owner_id"), DueOn: f.Get("due_on"), Priority: action.Priority(f.Get("priority"))}}
	}
	ns := make([]store.NewAction, 0, len(bodies))
	for _, b := range bodies {
		n, err := s.newAction(ctx, org.ID, b)
		if err != nil {
			s.actionFormError(w, r, org.ID, err)
			return
		}
		ns = append(ns, n)
	}
	as, err := s.store.CreateActions(ctx, org.ID, ns, actor(r))
	if err != nil {
		s.actionFormError(w, r, org.ID, err)
		return
	}
	to := "/actions?org=" + url.QueryEscape(org.ID)
	if len(as) == 1 {
		to = "/actions/" + as[0].ID
	}
	s.flashRedirect(w, r, "ok", i18n.T(ctx, "actions.created", len(as)), to)
}

// actionFormError shows a refused creation on the form of a new action,
// its problems named field by field.
func (s *Server) actionFormError(w http.ResponseWriter, r *http.Request, orgID string, err error) {
	e, ok := userError(r, err)
	if !ok || e.Code != apperr.Invalid {
		s.pageError(w, r, err)
		return
	}
	s.actionNewPage(w, r, http.StatusUnprocessableEntity, orgID, views.ActionNewData{Form: r.PostForm, Error: e.Message, Fields: e.Fields})
}

// recommendationBodies turns the report's chosen recommendations into
// actions: each question planned at its target, with the key points not
// yet ticked, owned by owner_id, due on due_on, with the priority given.
func (s *Server) recommendationBodies(r *http.Request, orgID string) ([]actionBody, error) {
	ctx := r.Context()
	f := r.PostForm
	a, err := s.store.GetAssessment(ctx, f.Get("source_assessment_id"))
	if err != nil {
		return nil, err
	}
	if a.OrgID != orgID {
		return nil, apperr.ErrNotFound
	}
	cl, ok := checklist.Get(a.ChecklistID)
	if !ok {
		return nil, apperr.ErrNotFound
	}
	answers, err := s.store.Answers(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	d, err := s.diagnose(ctx, a, cl, answers)
	if err != nil {
		return nil, err
	}
	chosen := f["rec"]
	if only := f.Get("only"); only != "" {
		chosen = []string{only}
	}
	en := i18n.Lang(ctx) == "en"
	var out []actionBody
	for _, rec := range d.Report.Recommendations {
		if !slices.Contains(chosen, rec.QuestionID) {
			continue
		}
		text := rec.QuestionID
		if q, ok := cl.Question(rec.QuestionID); ok {
			text = q.Text
			if en && q.TextEN != "" {
				text = q.TextEN
			}
		}
		out = append(out, actionBody{Title: truncate(rec.QuestionID+" "+text, action.MaxTitle),
			Questions: []action.Planned{{QuestionID: rec.QuestionID, PlannedLevel: rec.Target}}, PointIDs: rec.MissingPoints,
			OwnerID: f.Get("owner_id"), DueOn: f.Get("due_on"), Priority: action.Priority(f.Get("priority")), SourceAssessmentID: a.ID})
	}
	return out, nil
}

// truncate shortens s to at most n characters, ending with "…" when cut.
func truncate(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n-1]) + "…"
}

// handleAction is /actions/{id}: the action, its thread, and the forms to
// write a note and change its status.
func (s *Server) handleAction(w http.ResponseWriter, r *http.Request) {
	a, err := s.loadAction(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.actionPage(w, r, http.StatusOK, a, views.ActionData{})
}

func (s *Server) actionPage(w http.ResponseWriter, r *http.Request, status int, a store.Action, d views.ActionData) {
	ctx := r.Context()
	p := principal(ctx)
	notes, err := s.store.ActionNotes(ctx, a.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	today := s.today()
	d.A, d.Notes, d.Checklist = a, notes, checklist.Default()
	d.Overdue = action.Overdue(a.Status, a.DueOn, today)
	d.CanEdit = policy.EditAction(p, a.OrgID, a.OwnerID) == nil
	for _, to := range action.Statuses {
		if action.CanMove(a.Status, to) && policy.ChangeActionStatus(p, a.OrgID, a.OwnerID, to) == nil {
			d.Moves = append(d.Moves, to)
		}
	}
	d.MaxReview = today.AddDate(1, 0, 0).Format(time.DateOnly)
	if len(a.EvidenceIDs) > 0 || hasStatus(d.Moves, action.Done) {
		// The library to close with, and the items a closing named (a
		// retired item is still shown as what was claimed).
		lib, err := s.store.ListEvidence(ctx, a.OrgID, store.EvidenceFilter{Retired: true, Today: today})
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		for _, e := range lib {
			if slices.Contains(a.EvidenceIDs, e.ID) {
				d.Evidence = append(d.Evidence, e)
			}
			if !e.Retired {
				d.Library = append(d.Library, e)
			}
		}
	}
	d.Gain = a.Gain
	s.render(w, r, status, views.ActionPage(s.page(r, a.Title, "actions"), d))
}

func hasStatus(ss []action.Status, s action.Status) bool { return slices.Contains(ss, s) }

// handleActionStatus is POST /actions/{id}/status, the form of a status
// change: the same rules as the API; a refusal is shown on the page.
func (s *Server) handleActionStatus(w http.ResponseWriter, r *http.Request) {
	a, err := s.loadAction(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return
	}
	f := r.PostForm
	b := statusBody{Status: action.Status(f.Get("status")), Note: f.Get("note"), EvidenceIDs: f["evidence_ids"],
		Reason: f.Get("reason"), ReviewOn: f.Get("review_on")}
	out, err := s.changeStatus(r, a, b)
	if e, ok := userError(r, err); ok && (e.Code == apperr.Invalid || e.Code == apperr.Conflict) {
		if cur, gerr := s.store.GetAction(r.Context(), a.ID); gerr == nil {
			a = cur
		}
		s.actionPage(w, r, statusOf(e.Code), a, views.ActionData{Error: e.Message, Fields: e.Fields, Form: f})
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	ctx := r.Context()
	s.flashRedirect(w, r, "ok", i18n.T(ctx, "actions.status_changed", i18n.T(ctx, "action.status."+string(out.Status))), "/actions/"+out.ID)
}

// handleActionNote is POST /actions/{id}/notes: a progress note.
func (s *Server) handleActionNote(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, ok := s.actionForm(w, r)
	if !ok {
		return
	}
	body := r.PostForm.Get("body")
	if err := checkNote(body); err != nil {
		e, _ := userError(r, err)
		s.actionPage(w, r, http.StatusUnprocessableEntity, a, views.ActionData{Error: e.Message, Fields: e.Fields, Form: r.PostForm})
		return
	}
	if _, err := s.store.AddActionNote(ctx, a.ID, strings.TrimRight(body, " \n\r\t"), actor(r)); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flashRedirect(w, r, "ok", i18n.T(ctx, "actions.note_added"), "/actions/"+a.ID+"#notes")
}

// handleActionEdit is /actions/{id}/edit: the form of an action's plan.
func (s *Server) handleActionEdit(w http.ResponseWriter, r *http.Request) {
	a, err := s.loadEditableAction(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.actionEditPage(w, r, http.StatusOK, views.ActionEditData{A: a})
}

func (s *Server) actionEditPage(w http.ResponseWriter, r *http.Request, status int, d views.ActionEditData) {
	ctx := r.Context()
	var err error
	if d.Members, err = s.store.OrgMembers(ctx, d.A.OrgID); err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Checklist = checklist.Default()
	s.render(w, r, status, views.ActionEditPage(s.page(r, i18n.T(ctx, "actions.edit"), "actions"), d))
}

// handleActionSave is POST /actions/{id}/edit: the same rules as the API's
// PATCH. Someone else's save in between shows their version (409) and
// overwrites nothing.
func (s *Server) handleActionSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, ok := s.actionForm(w, r)
	if !ok {
		return
	}
	f := r.PostForm
	version, _ := strconv.Atoi(f.Get("version"))
	p := action.Plan{Title: f.Get("title"), Description: f.Get("description"), PointIDs: a.PointIDs, OwnerID: f.Get("owner_id"),
		DueOn: f.Get("due_on"), Priority: action.Priority(f.Get("priority"))}
	for _, q := range a.Questions {
		lv, _ := strconv.Atoi(f.Get("lv-" + q.QuestionID))
		p.Questions = append(p.Questions, action.Planned{QuestionID: q.QuestionID, PlannedLevel: lv})
	}
	current, err := s.currentLevels(ctx, a.OrgID, deref(a.SourceAssessmentID))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	due, err := action.CheckPlan(checklist.Default(), p, current, s.today(), p.DueOn != a.DueOn.Format(time.DateOnly))
	if err == nil {
		_, err = s.store.UpdateAction(ctx, a.ID, store.ActionUpdate{Title: strings.TrimSpace(p.Title), Description: p.Description,
			Questions: p.Questions, PointIDs: p.PointIDs, OwnerID: p.OwnerID, DueOn: due, Priority: p.Priority, Version: version}, actor(r))
	}
	if e, ok := userError(r, err); ok {
		switch e.Code {
		case apperr.Conflict:
			cur, _ := e.Detail.(store.Action)
			s.actionEditPage(w, r, http.StatusConflict, views.ActionEditData{A: cur, Form: f, Error: e.Message, Conflict: true})
			return
		case apperr.Invalid:
			s.actionEditPage(w, r, http.StatusUnprocessableEntity, views.ActionEditData{A: a, Form: f, Error: e.Message, Fields: e.Fields})
			return
		}
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flashRedirect(w, r, "ok", i18n.T(ctx, "actions.saved"), "/actions/"+a.ID)
}

// actionForm loads the action of the URL for a change by the caller, who
// must be allowed to edit it, and parses the posted form. It answers the
// error page itself when it returns false.
func (s *Server) actionForm(w http.ResponseWriter, r *http.Request) (store.Action, bool) {
	a, err := s.loadEditableAction(r)
	if err != nil {
		s.pageError(w, r, err)
		return store.Action{}, false
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return store.Action{}, false
	}
	return a, true
}

// ownedScope is where the caller's own actions may be listed: the
// organisations they can see now.
func ownedScope(p *policy.Principal) []string {
	ids := make([]string, 0, len(p.Visible)+1)
	for id := range p.Visible {
		ids = append(ids, id)
	}
	if !p.Visible[p.OrgID] {
		ids = append(ids, p.OrgID)
	}
	return ids
}
