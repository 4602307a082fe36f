package server

import (
	"context"
	"net/http"
	"sort"
	"time"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/policy"
	"mamori/internal/store"
	"mamori/web/i18n"
	"mamori/web/views"
)

// handleReviews is /reviews: the auditor's queue across the organisations
// assigned to them (submitted assessments, the longest waiting first) and
// their recent decisions.
func (s *Server) handleReviews(w http.ResponseWriter, r *http.Request) {
	q, ds, err := s.reviewQueue(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	orgs, err := s.reviewedOrgs(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := views.ReviewsData{Queue: q, Decisions: ds, Orgs: orgs, Total: checklist.Default().NumQuestions(), Now: s.now()}
	s.render(w, r, http.StatusOK, views.Reviews(s.page(r, i18n.T(r.Context(), "reviews.title"), "reviews"), d))
}

// waitingFor lists what waits for the user among the assessments they see:
// for officers the assessments returned to their organisation (with how many
// questions need attention), for auditors those awaiting review; the longest
// waiting first.
func (s *Server) waitingFor(ctx context.Context, p *policy.Principal, as []store.Assessment) ([]views.WaitingItem, error) {
	now := s.now()
	switch p.Role {
	case assessment.Officer:
		var returned []store.Assessment
		var ids []string
		for _, a := range as {
			if a.Status == assessment.Returned && a.OrgID == p.OrgID {
				returned = append(returned, a)
				ids = append(ids, a.ID)
			}
		}
		if len(returned) == 0 {
			return nil, nil
		}
		counts, err := s.store.AttentionCounts(ctx, ids)
		if err != nil {
			return nil, err
		}
		sort.SliceStable(returned, func(i, j int) bool { return before(returned[i].DecidedAt, returned[j].DecidedAt) })
		items := make([]views.WaitingItem, len(returned))
		for i, a := range returned {
			items[i] = views.WaitingItem{Kind: "returned", Title: a.Title, Href: "/assessments/" + a.ID + "/review", Org: a.OrgName,
				Attention: counts[a.ID]}
			if a.DecidedAt != nil {
				items[i].Waited = views.Waited(ctx, *a.DecidedAt, now)
			}
		}
		return items, nil
	case assessment.Auditor:
		orgs, err := s.visibleOrgs(ctx, p)
		if err != nil {
			return nil, err
		}
		q, err := s.store.ReviewQueue(ctx, orgs)
		if err != nil {
			return nil, err
		}
		items := make([]views.WaitingItem, len(q))
		for i, x := range q {
			items[i] = views.WaitingItem{Kind: "review", Title: x.Title, Href: "/assessments/" + x.AssessmentID + "/review", Org: x.OrgName,
				Waited: views.Waited(ctx, x.SubmittedAt, now)}
		}
		return items, nil
	}
	return nil, nil
}

// before orders optional times, missing ones last.
func before(a, b *time.Time) bool {
	switch {
	case a == nil:
		return false
	case b == nil:
		return true
	}
	return a.Before(*b)
}

// fillReviewContext adds the review to a category page: the auditor's marks
// (questions needing attention are highlighted) and every question's comment
// thread, with a form to reply for those who may comment.
func (s *Server) fillReviewContext(ctx context.Context, d *views.CategoryData, marks map[string]store.ReviewMark, comments []store.Comment) {
	d.Marks = make(map[string]string, len(marks))
	for id, m := range marks {
		d.Marks[id] = m.Mark
	}
	threads := store.Threads(comments)
	d.Comments = make(map[string]int, len(threads))
	for id, cs := range threads {
		d.Comments[id] = len(cs)
	}
	d.Discussion = views.Discussion{AssessmentID: d.A.ID, Threads: threads,
		CanComment: policy.Comment(principal(ctx), d.A.OrgID) == nil, From: "category"}
}
