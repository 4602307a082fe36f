package server

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"mamori/checklist"
	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/policy"
	"mamori/internal/store"
	"mamori/web/i18n"
	"mamori/web/views"
)

// loadAssessment returns the assessment named in the URL if the caller may
// see it; otherwise NotFound, whether or not it exists.
func (s *Server) loadAssessment(r *http.Request) (store.Assessment, *checklist.Checklist, error) {
	return s.authorisedAssessment(r, s.store.GetAssessment)
}

// authorisedAssessment loads the URL's assessment with get and checks that
// the caller may see it.
func (s *Server) authorisedAssessment(r *http.Request, get func(context.Context, string) (store.Assessment, error)) (store.Assessment, *checklist.Checklist, error) {
	a, err := get(r.Context(), chi.URLParam(r, "assessmentID"))
	if err != nil {
		return store.Assessment{}, nil, err
	}
	if err := policy.ViewAssessment(principal(r.Context()), a.OrgID); err != nil {
		return store.Assessment{}, nil, err
	}
	cl, ok := checklist.Get(a.ChecklistID)
	if !ok {
		return store.Assessment{}, nil, fmt.Errorf("checklist %s of assessment %s is not in this build", a.ChecklistID, a.ID)
	}
	return a, cl, nil
}

// loadQuestion is loadAssessment for a URL that also names one of the
// assessment's questions; an unknown question is NotFound.
func (s *Server) loadQuestion(r *http.Request) (store.Assessment, *checklist.Checklist, *checklist.Question, error) {
	a, cl, err := s.loadAssessment(r)
	return questionOf(r, a, cl, err)
}

// loadQuestionToSave is loadQuestion for an answer save: the assessment's
// own columns only (store.GetAssessmentHead), no names or counts.
func (s *Server) loadQuestionToSave(r *http.Request) (store.Assessment, *checklist.Checklist, *checklist.Question, error) {
	a, cl, err := s.authorisedAssessment(r, s.store.GetAssessmentHead)
	return questionOf(r, a, cl, err)
}

// questionOf finds the URL's question in a loaded assessment's checklist.
func questionOf(r *http.Request, a store.Assessment, cl *checklist.Checklist, err error) (store.Assessment, *checklist.Checklist, *checklist.Question, error) {
	if err != nil {
		return store.Assessment{}, nil, nil, err
	}
	q, ok := cl.Question(chi.URLParam(r, "questionID"))
	if !ok {
		return store.Assessment{}, nil, nil, apperr.ErrNotFound
	}
	return a, cl, q, nil
}

// assessmentsPageSize is the number of assessments per list page.
const assessmentsPageSize = 50

// assessmentsPage is a page of the assessments the caller sees, and whether
// more follow. The policy has the last word on each row, as on the
// dashboard: a subtree's rows come from the maintained scope rows.
func (s *Server) assessmentsPage(ctx context.Context, page, size int) ([]store.Assessment, bool, error) {
	p := principal(ctx)
	as, more, err := s.store.ListAssessmentsPage(ctx, reach(p), page, size)
	if err != nil {
		return nil, false, err
	}
	return slices.DeleteFunc(as, func(a store.Assessment) bool { return policy.ViewAssessment(p, a.OrgID) != nil }), more, nil
}

// listPage is the page of assessments the URL asks for (?page=, from 1).
func listPage(r *http.Request) int {
	return pageParam(r.URL.Query().Get("page"))
}

// maxPage is the deepest page a list goes to: 100,000 rows of a page of 50,
// 200,000 in the API. A page is an offset in the list's order, which the
// database walks to: past this, a search or a filter narrows the list.
const maxPage = 2000

// pageParam is a page number from a URL (from 1; anything else is 1; at
// most maxPage).
func pageParam(v string) int {
	n, _ := strconv.Atoi(v)
	return min(max(n, 1), maxPage)
}

func (s *Server) listPage(w http.ResponseWriter, r *http.Request, status int, d views.AssessmentListData) {
	ctx := r.Context()
	p := principal(ctx)
	scope := reach(p)
	var err error
	d.Page = listPage(r)
	if d.Assessments, d.More, err = s.assessmentsPage(ctx, d.Page, assessmentsPageSize); err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Total = checklist.Default().NumQuestions()
	d.CanCreate = policy.CreateAssessment(p, p.OrgID) == nil
	d.ShowOrg = scope.All || len(scope.OrgIDs) > 1
	if d.Waiting, err = s.waitingFor(ctx, p, d.Assessments); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, status, views.AssessmentList(s.page(r, i18n.T(ctx, "assessments.title"), "assessments"), d))
}

func (s *Server) handleAssessments(w http.ResponseWriter, r *http.Request) {
	s.listPage(w, r, http.StatusOK, views.AssessmentListData{})
}

func (s *Server) handleAssessmentCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return
	}
	title, copyFrom := strings.TrimSpace(r.PostForm.Get("title")), r.PostForm.Get("copy_from")
	a, err := s.createAssessment(r, title, "", copyFrom)
	if err != nil {
		if e, ok := userError(r, err); ok && e.Code == apperr.Invalid {
			s.listPage(w, r, http.StatusUnprocessableEntity, views.AssessmentListData{Title: title, CopyFrom: copyFrom, Error: e.Message})
			return
		}
		s.pageError(w, r, err)
		return
	}
	s.flashRedirect(w, r, "ok", i18n.T(ctx, "assessments.created"), "/assessments/"+a.ID)
}

// createAssessment is shared by the page and the API.
func (s *Server) createAssessment(r *http.Request, title, checklistID, copyFrom string) (store.Assessment, error) {
	p := principal(r.Context())
	if err := policy.CreateAssessment(p, p.OrgID); err != nil {
		return store.Assessment{}, err
	}
	if title == "" || len([]rune(title)) > 200 {
		return store.Assessment{}, apperr.InvalidFieldsK("assessments.title_invalid", map[string]string{"title": "length 1-200"})
	}
	if checklistID == "" {
		checklistID = checklist.Default().ID
	}
	if _, ok := checklist.Get(checklistID); !ok {
		return store.Assessment{}, apperr.InvalidFieldsK("err.checklist_unknown", map[string]string{"checklist_id": "unknown"})
	}
	return s.store.CreateAssessment(r.Context(), store.NewAssessment{OrgID: p.OrgID, Title: title, ChecklistID: checklistID, CopyFrom: copyFrom, Actor: actor(r)})
}

// overviewLinks are the further pages of an assessment the caller may open.
func overviewLinks(ctx context.Context, a store.Assessment) []views.Link {
	base := "/assessments/" + a.ID
	links := []views.Link{
		{Href: base + "/report", Label: i18n.T(ctx, "assessment.link.report"), TestID: "link-report"},
	}
	if a.CopiedFrom != nil { // a reassessment: how it changed from the one it continues
		links = append(links, views.Link{Href: base + "/compare/" + *a.CopiedFrom, Label: i18n.T(ctx, "assessment.link.compare"), TestID: "link-compare"})
	}
	// The review page is the auditor's workplace and, once submitted, the
	// record of the review for everyone who sees the assessment.
	if a.Status != assessment.Draft {
		links = append(links, views.Link{Href: base + "/review", Label: i18n.T(ctx, "assessment.link.review"), TestID: "link-review"})
	}
	links = append(links, views.Link{Href: base + "/history", Label: i18n.T(ctx, "assessment.link.history"), TestID: "link-history"})
	links = append(links, views.Link{Href: base + "/benchmark", Label: i18n.T(ctx, "assessment.link.benchmark"), TestID: "link-benchmark"})
	if policy.EditAnswers(principal(ctx), a.OrgID, a.Status) == nil {
		links = append(links, views.Link{Href: base + "/import", Label: i18n.T(ctx, "assessment.link.import"), TestID: "link-import"})
	}
	return links
}

// overviewOpts: submitErr shows why a submission was refused; confirmResubmit
// asks again before resubmitting with findings left unaddressed.
type overviewOpts struct {
	submitErr, confirmResubmit bool
	withdrawErr                string // a refused withdrawal: why
	withdrawReason             string // and the reason given, kept
	assignErr                  string // a refused assignment: why
}

// overviewWith shows the overview with the assignment form's error.
func (s *Server) overviewWith(w http.ResponseWriter, r *http.Request, status int, assignErr string) {
	s.overview(w, r, status, overviewOpts{assignErr: assignErr})
}

func (s *Server) overview(w http.ResponseWriter, r *http.Request, status int, o overviewOpts) {
	ctx := r.Context()
	a, cl, err := s.loadAssessment(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	answers, err := s.store.Answers(ctx, a.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := principal(ctx)
	d := views.OverviewData{A: a, Checklist: cl, Answers: answers, SubmitErr: o.submitErr, ConfirmResubmit: o.confirmResubmit, Links: overviewLinks(ctx, a)}
	d.Editable = policy.EditAnswers(p, a.OrgID, a.Status) == nil
	_, serr := policy.ChangeStatus(p, a.OrgID, a.Status, assessment.Submit)
	d.CanSubmit = serr == nil
	d.Unanswered, d.Carried = pendingQuestions(cl, answers)
	if d.Assignments, err = s.store.QuestionAssignments(ctx, a.ID); err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Assignees = views.AssigneeProgress(d.Assignments, answers)
	d.AssignError = o.assignErr
	if policy.AssignQuestions(p, a.OrgID, a.Status) == nil {
		if d.Officers, err = s.store.OrgOfficers(ctx, a.OrgID); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	nodes, err := s.store.ReviewNodes(ctx, a.OrgID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	reviewers, _ := policy.Reviewers(a.OrgID, nodes)
	for _, rv := range reviewers {
		d.Reviewers = append(d.Reviewers, rv.Name)
	}
	if _, werr := policy.ChangeStatus(p, a.OrgID, a.Status, assessment.Withdraw); werr == nil {
		acted, err := s.store.AuditorActed(ctx, a.ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		d.Withdraw = &views.WithdrawForm{Allowed: !acted, Reason: o.withdrawReason, Error: o.withdrawErr}
	}
	if a.Status == assessment.Returned {
		if d.Returned, err = s.returnInfo(ctx, a, cl, answers); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	s.render(w, r, status, views.AssessmentOverview(s.page(r, a.Title, "assessments"), d))
}

// pendingQuestions lists the questions without a level and the carried-over
// answers not yet confirmed, in checklist order.
func pendingQuestions(cl *checklist.Checklist, answers map[string]store.Answer) (unanswered, carried []string) {
	for _, id := range cl.QuestionIDs() {
		a, ok := answers[id]
		switch {
		case !ok || a.Level == nil:
			unanswered = append(unanswered, id)
		case a.CarriedOver:
			carried = append(carried, id)
		}
	}
	return unanswered, carried
}

func (s *Server) handleAssessment(w http.ResponseWriter, r *http.Request) {
	s.overview(w, r, http.StatusOK, overviewOpts{})
}

// loadAssessmentSheet is loadAssessment for a page that shows the answers:
// the assessment and the parts of its sheet o names in one statement.
// Nothing of it is returned before the policy allows the caller to see the
// assessment (another organisation's answers NotFound).
func (s *Server) loadAssessmentSheet(r *http.Request, o store.SheetOptions) (store.Assessment, *checklist.Checklist, store.AnswerSheet, error) {
	a, sheet, err := s.store.AssessmentSheet(r.Context(), chi.URLParam(r, "assessmentID"), o)
	if err != nil {
		return store.Assessment{}, nil, store.AnswerSheet{}, err
	}
	if err := policy.ViewAssessment(principal(r.Context()), a.OrgID); err != nil {
		return store.Assessment{}, nil, store.AnswerSheet{}, err
	}
	cl, ok := checklist.Get(a.ChecklistID)
	if !ok {
		return store.Assessment{}, nil, store.AnswerSheet{}, fmt.Errorf("checklist %s of assessment %s is not in this build", a.ChecklistID, a.ID)
	}
	return a, cl, sheet, nil
}

func (s *Server) categoryData(r *http.Request, categoryID string) (views.CategoryData, error) {
	ctx := r.Context()
	p := principal(ctx)
	// Everything the page shows in one statement; for the officer who may
	// edit, also the library and last time's answers.
	a, cl, sheet, err := s.loadAssessmentSheet(r, store.SheetOptions{Review: true, EditorOrgID: policy.AnswerEditorOrg(p)})
	if err != nil {
		return views.CategoryData{}, err
	}
	cat, ok := cl.Category(categoryID)
	if !ok {
		return views.CategoryData{}, apperr.ErrNotFound
	}
	d := views.CategoryData{A: a, Checklist: cl, Category: cat, Answers: sheet.Answers, Pending: map[string]views.QuestionState{}}
	d.Editable = policy.EditAnswers(p, a.OrgID, a.Status) == nil
	s.fillReviewContext(ctx, &d, sheet.Marks, sheet.Comments)
	d.Evidence = sheet.Evidence
	if d.Editable { // the library to link from, and last time's answers for confirming
		d.Library = sheet.Library
		if a.CopiedFrom != nil {
			d.Previous = sheet.Previous
		}
	}
	d.Today = s.now()
	d.Assignments = sheet.Assignments
	for i := range cl.Categories {
		if cl.Categories[i].ID == cat.ID {
			if i > 0 {
				d.Prev = &cl.Categories[i-1]
			}
			if i < len(cl.Categories)-1 {
				d.Next = &cl.Categories[i+1]
			}
		}
	}
	return d, nil
}

func (s *Server) handleCategory(w http.ResponseWriter, r *http.Request) {
	d, err := s.categoryData(r, chi.URLParam(r, "category"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	title := i18n.T(r.Context(), "assessment.category_n", d.Category.Number) + " " + d.A.Title
	s.render(w, r, http.StatusOK, views.CategoryPage(s.page(r, title, "assessments"), d))
}

// handleAnswerSave saves one question's form. With htmx it answers with
// out-of-band fragments (version, status, conflict); without JavaScript it
// redirects back to the question, or re-renders the page with the officer's
// values kept when the save was refused.
func (s *Server) handleAnswerSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	htmx := r.Header.Get("HX-Request") == "true"
	a, cl, q, err := s.loadQuestionToSave(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := policy.EditAnswers(principal(ctx), a.OrgID, a.Status); err != nil {
		s.answerFailed(w, r, q, store.Answer{}, err, htmx)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.answerFailed(w, r, q, store.Answer{}, apperr.K(apperr.Malformed, "error.form"), htmx)
		return
	}
	in, sent, err := answerFromForm(r, q)
	if err != nil {
		s.answerFailed(w, r, q, sent, err, htmx)
		return
	}
	saved, err := s.store.SaveAnswer(ctx, a.ID, q.ID, in, actor(r))
	if err != nil {
		s.answerFailed(w, r, q, sent, err, htmx)
		return
	}
	if htmx {
		d := views.CategoryData{A: a, Checklist: cl, Editable: true, Category: categoryOf(cl, q)}
		s.render(w, r, http.StatusOK, views.SaveResult(d, *q, views.QuestionState{Saved: true}, saved))
		return
	}
	s.flashRedirect(w, r, "ok", i18n.T(ctx, "question.saved_flash", q.ID, views.HHMM(saved.UpdatedAt)),
		"/assessments/"+a.ID+"/categories/"+q.CategoryID+"#q-"+q.ID)
}

func categoryOf(cl *checklist.Checklist, q *checklist.Question) *checklist.Category {
	c, _ := cl.Category(q.CategoryID)
	return c
}

// answerFromForm reads the question form: level (empty = unanswered), points,
// comment, and the version read (override_version when the officer chose to
// keep their answer over someone else's).
func answerFromForm(r *http.Request, q *checklist.Question) (assessment.AnswerValues, store.Answer, error) {
	f := r.PostForm
	v := assessment.AnswerValues{Comment: strings.ReplaceAll(f.Get("comment"), "\r\n", "\n"), PointsMet: f["points"]}
	sent := store.Answer{Comment: v.Comment, PointsMet: v.PointsMet}
	bad := map[string]string{}
	if lv := f.Get("level"); lv != "" {
		n, err := strconv.Atoi(lv)
		if err != nil {
			bad["level"] = "not a number"
		}
		v.Level = &n
		sent.Level = &n
	}
	ver := f.Get("version")
	if o := f.Get("override_version"); o != "" {
		ver = o
	}
	n, err := strconv.Atoi(ver)
	if err != nil {
		bad["version"] = "not a number"
	}
	v.Version = n
	sent.Version, _ = strconv.Atoi(f.Get("version"))
	if len(bad) > 0 {
		return v, sent, apperr.InvalidFieldsK("question.invalid", bad)
	}
	out, err := assessment.ValidateAnswer(q, v)
	if err != nil {
		e, ok := apperr.As(err)
		if !ok {
			return v, sent, err
		}
		return v, sent, apperr.InvalidFieldsK("question.invalid", e.Fields)
	}
	return out, sent, nil
}

// answerFailed shows why a save was refused, keeping what the officer sent.
func (s *Server) answerFailed(w http.ResponseWriter, r *http.Request, q *checklist.Question, sent store.Answer, err error, htmx bool) {
	e := s.classify(r, err)
	status := statusOf(e.Code)
	st := views.QuestionState{Values: sent}
	switch {
	case e.Code == apperr.Conflict && e.Detail != nil:
		cur, _ := e.Detail.(store.Answer)
		st.Conflict = &cur
	case e.Code == apperr.Invalid || e.Code == apperr.Conflict || e.Code == apperr.Unavailable || e.Code == apperr.Internal:
		st.Error = e.Message
	default:
		s.pageError(w, r, err)
		return
	}
	d, derr := s.categoryData(r, q.CategoryID)
	if derr != nil {
		s.pageError(w, r, err)
		return
	}
	if htmx {
		stored := d.Answers[q.ID]
		// Keep the form's version as it was: on a conflict the officer
		// decides (keep mine sends the current version explicitly).
		stored.Version = versionFromForm(r)
		s.render(w, r, status, views.SaveResult(d, *q, st, stored))
		return
	}
	d.Pending[q.ID] = st
	title := i18n.T(r.Context(), "assessment.category_n", d.Category.Number) + " " + d.A.Title
	s.render(w, r, status, views.CategoryPage(s.page(r, title, "assessments"), d))
}

func versionFromForm(r *http.Request) int {
	n, _ := strconv.Atoi(r.PostForm.Get("version"))
	return n
}

// handleSubmit submits the assessment when every question has a level and
// every carried-over answer is confirmed.
func (s *Server) handleSubmit(w http.ResponseWriter, r *http.Request) {
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
	if a.Status == assessment.Returned && r.PostForm.Get("confirm_unaddressed") != "1" {
		// Resubmitting with findings nobody touched: ask first.
		if _, err := policy.ChangeStatus(principal(ctx), a.OrgID, a.Status, assessment.Submit); err != nil {
			s.pageError(w, r, err)
			return
		}
		answers, err := s.store.Answers(ctx, a.ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		info, err := s.returnInfo(ctx, a, cl, answers)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		if len(info.Unaddressed) > 0 {
			s.overview(w, r, http.StatusUnprocessableEntity, overviewOpts{confirmResubmit: true})
			return
		}
	}
	if _, err := s.submit(r, a); err != nil {
		if e, ok := apperr.As(err); ok && e.Code == apperr.Invalid {
			s.overview(w, r, http.StatusUnprocessableEntity, overviewOpts{submitErr: true})
			return
		}
		s.pageError(w, r, err)
		return
	}
	s.flashRedirect(w, r, "ok", i18n.T(ctx, "assessment.submitted"), "/assessments/"+a.ID)
}

// submit is shared by the page and the API.
func (s *Server) submit(r *http.Request, a store.Assessment) (store.Assessment, error) {
	if _, err := policy.ChangeStatus(principal(r.Context()), a.OrgID, a.Status, assessment.Submit); err != nil {
		return store.Assessment{}, err
	}
	return s.store.Submit(r.Context(), a.ID, a.Status, actor(r))
}

// returnInfo is why a returned assessment came back: the auditor's comment
// (or reopening reason), the questions marked as needing attention, and
// those of them the officers have neither changed nor commented on since.
func (s *Server) returnInfo(ctx context.Context, a store.Assessment, cl *checklist.Checklist, answers map[string]store.Answer) (*views.ReturnInfo, error) {
	info := &views.ReturnInfo{}
	ev, err := s.store.LatestStatusEvent(ctx, a.ID)
	switch {
	case err == nil:
		info.By, info.At, info.Comment, info.Reopened = ev.ActorName, ev.At, ev.Comment, ev.Action == assessment.Reopen
	case !apperr.Is(err, apperr.NotFound):
		return nil, err
	}
	marks, err := s.store.Marks(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	comments, err := s.store.Comments(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(marks))
	for id, x := range marks {
		m[id] = x.Mark
	}
	info.Flagged = assessment.OpenItems(cl.QuestionIDs(), m).Attention
	changed, commented := map[string]bool{}, map[string]bool{}
	for id, ans := range answers {
		changed[id] = ans.UpdatedAt.After(info.At)
	}
	for _, c := range comments {
		if c.QuestionID != nil && c.CreatedAt.After(info.At) {
			commented[*c.QuestionID] = true
		}
	}
	info.Unaddressed = assessment.Unaddressed(info.Flagged, changed, commented)
	return info, nil
}
