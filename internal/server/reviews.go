package server

import (
	"context"
	"net/http"
	"slices"
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
// assigned to them (submitted assessments, the longest waiting first), the
// organisations they review and their recent decisions; ?queue_page= and
// ?orgs_page= page the first two.
func (s *Server) handleReviews(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := views.ReviewsData{QueuePage: pageParam(q.Get("queue_page")), OrgsPage: pageParam(q.Get("orgs_page")),
		Total: checklist.Default().NumQuestions(), Now: s.now()}
	rv, err := s.reviews(r, d.QueuePage, d.OrgsPage, reviewsPageSize)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Queue, d.QueueMore, d.QueueCount, d.QueueCountCapped = rv.queue, rv.queueMore, rv.queueCount, rv.queueCount > store.QueueCountCap
	d.Decisions, d.Orgs, d.OrgsTotal = rv.decisions, rv.orgs, rv.orgsTotal
	d.OrgsPages = max(1, (rv.orgsTotal+reviewsPageSize-1)/reviewsPageSize)
	s.render(w, r, http.StatusOK, views.Reviews(s.page(r, i18n.T(r.Context(), "reviews.title"), "reviews"), d))
}

// reviewsPageSize is the queue's and the organisations' page on /reviews.
const reviewsPageSize = 50

// reviewsView is what /reviews shows: a page of the queue, the auditor's
// recent decisions and a page of the organisations they review.
type reviewsView struct {
	queue      []store.QueueItem
	queueMore  bool
	queueCount int // up to store.QueueCountCap+1
	decisions  []store.Decision
	orgs       []store.OrgLatest
	orgsTotal  int
}

// reviews reads the auditor's queue (page queuePage), recent decisions and
// reviewed organisations (page orgsPage), across the organisations they
// may see.
func (s *Server) reviews(r *http.Request, queuePage, orgsPage, size int) (reviewsView, error) {
	ctx := r.Context()
	p := principal(ctx)
	var v reviewsView
	if err := policy.ReviewQueue(p); err != nil {
		return v, err
	}
	scope := reach(p)
	var err error
	if v.queue, v.queueMore, err = s.reviewQueue(ctx, p, queuePage, size); err != nil {
		return v, err
	}
	v.queueCount = (queuePage-1)*size + len(v.queue)
	if v.queueMore || (len(v.queue) == 0 && queuePage > 1) {
		if v.queueCount, err = s.store.ReviewQueueCount(ctx, scope); err != nil {
			return v, err
		}
	}
	if v.decisions, err = s.store.RecentDecisions(ctx, p.UserID, scope, recentDecisions); err != nil {
		return v, err
	}
	if v.orgs, v.orgsTotal, err = s.store.ReviewedOrgs(ctx, scope, p.OrgID, orgsPage, size); err != nil {
		return v, err
	}
	// The policy has the last word on every row (the reach is joined in
	// the database, as of the newest version of who sees what).
	v.decisions = slices.DeleteFunc(v.decisions, func(x store.Decision) bool { return policy.ViewAssessment(p, x.OrgID) != nil })
	v.orgs = slices.DeleteFunc(v.orgs, func(x store.OrgLatest) bool { return policy.ViewOrg(p, x.OrgID) != nil })
	if v.queue == nil {
		v.queue = []store.QueueItem{}
	}
	if v.decisions == nil {
		v.decisions = []store.Decision{}
	}
	return v, nil
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
		q, more, err := s.reviewQueue(ctx, p, 1, waitingReviews)
		if err != nil {
			return nil, err
		}
		items := make([]views.WaitingItem, len(q))
		for i, x := range q {
			items[i] = views.WaitingItem{Kind: "review", Title: x.Title, Href: "/assessments/" + x.AssessmentID + "/review", Org: x.OrgName,
				Waited: views.Waited(ctx, x.SubmittedAt, now)}
		}
		if more {
			items = append(items, views.WaitingItem{Kind: "more", Title: i18n.T(ctx, "waiting.more_reviews"), Href: "/reviews"})
		}
		return items, nil
	}
	return nil, nil
}

// reviewQueue is a page (from 1) of size of the submitted assessments p
// reviews, the longest waiting first, each passed through the policy, and
// whether more follow.
func (s *Server) reviewQueue(ctx context.Context, p *policy.Principal, page, size int) ([]store.QueueItem, bool, error) {
	q, more, err := s.store.ReviewQueue(ctx, reach(p), page, size)
	if err != nil {
		return nil, false, err
	}
	return slices.DeleteFunc(q, func(x store.QueueItem) bool { return policy.ViewAssessment(p, x.OrgID) != nil }), more, nil
}

// waitingReviews is how many reviews the assessments page lists as waiting
// (the longest waiting; the rest are on /reviews).
const waitingReviews = 10

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
