package server

import (
	"net/http"
	"strconv"
	"strings"

	"mamori/checklist"
	"mamori/internal/apperr"
	"mamori/internal/export"
	"mamori/internal/policy"
	"mamori/internal/store"
	"mamori/web/i18n"
	"mamori/web/views"
)

// campaignsPage is /campaigns: the campaigns the caller may open and, for
// managers, the launch form over their organisation's subtree.
func (s *Server) campaignsPage(w http.ResponseWriter, r *http.Request, status int, d views.CampaignsData) {
	ctx := r.Context()
	p := principal(ctx)
	cs, err := s.visibleCampaigns(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, c := range cs {
		d.Campaigns = append(d.Campaigns, s.campaignView(c, nil))
	}
	if policy.LaunchCampaign(p, p.OrgID) == nil {
		ids, err := s.store.OrgAndDescendants(ctx, p.OrgID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		if d.Orgs, err = s.store.OrgsByIDs(ctx, ids); err != nil {
			s.pageError(w, r, err)
			return
		}
		d.CanLaunch = true
	}
	s.render(w, r, status, views.Campaigns(s.page(r, i18n.T(ctx, "campaign.list_title"), "campaigns"), d))
}

func (s *Server) handleCampaigns(w http.ResponseWriter, r *http.Request) {
	s.campaignsPage(w, r, http.StatusOK, views.CampaignsData{})
}

// handleCampaignCreate is the launch form's post.
func (s *Server) handleCampaignCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return
	}
	in := campaignInput{Title: r.PostForm.Get("title"), Deadline: r.PostForm.Get("deadline"), Prefill: r.PostForm.Get("prefill") != "",
		OrgIDs: r.PostForm["org_ids"]}
	if v := strings.TrimSpace(r.PostForm.Get("reminder_days")); v != "" {
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				n = -1 // refused by the validation
			}
			in.ReminderDays = append(in.ReminderDays, n)
		}
	}
	c, err := s.launchCampaign(r, in)
	if err != nil {
		if e, ok := userError(r, err); ok && (e.Code == apperr.Invalid || e.Code == apperr.Conflict) {
			s.campaignsPage(w, r, statusOf(e.Code), views.CampaignsData{Error: e.Message, Title: in.Title, Deadline: in.Deadline})
			return
		}
		s.pageError(w, r, err)
		return
	}
	s.flashRedirect(w, r, "ok", i18n.T(ctx, "campaign.launched"), "/campaigns/"+c.ID)
}

// campaignPageSize is the number of a campaign's organisations per page.
const campaignPageSize = 50

// campaignView is the campaign as the pages show it, with orgs, a page of
// its organisations.
func (s *Server) campaignView(c store.Campaign, orgs []store.CampaignOrg) views.CampaignView {
	j := s.campaignJSON(c, orgs)
	v := views.CampaignView{ID: j.ID, Title: j.Title, Deadline: j.Deadline, Status: j.Status, DaysLeft: j.DaysLeft}
	for _, o := range j.Orgs {
		v.Orgs = append(v.Orgs, views.CampaignOrgView{OrgName: o.OrgName, AssessmentID: o.AssessmentID, State: o.Status,
			Answered: o.Answered, Total: o.Total, Overdue: o.Overdue, Late: o.Late})
	}
	return v
}

// handleCampaign is /campaigns/{id}: how many organisations stand where,
// and a page of them by name with each one's state, progress, and whether
// it is overdue (or was late, once closed).
func (s *Server) handleCampaign(w http.ResponseWriter, r *http.Request) {
	c, err := s.loadCampaign(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	pg, err := s.store.CampaignOrgsPage(r.Context(), c.ID, listPage(r), campaignPageSize)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := views.CampaignData{C: s.campaignView(c, pg.Rows), Page: pg.Page, Pages: pg.Pages,
		CanClose: c.Status == "open" && policy.CloseCampaign(principal(r.Context()), c.OrgID) == nil}
	k := pg.Counts
	d.Counts = views.CampaignCounts{Orgs: k.Orgs, NotStarted: k.NotStarted, InProgress: k.InProgress, Submitted: k.Submitted,
		Returned: k.Returned, Approved: k.Approved, Late: k.Late}
	if d.C.DaysLeft < 0 {
		d.Counts.Overdue = k.NotDone
	}
	s.render(w, r, http.StatusOK, views.CampaignPage(s.page(r, c.Title, "campaigns"), d))
}

// handleCampaignClose closes the campaign, freezing who was late.
func (s *Server) handleCampaignClose(w http.ResponseWriter, r *http.Request) {
	c, err := s.loadCampaign(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := policy.CloseCampaign(principal(r.Context()), c.OrgID); err != nil {
		s.pageError(w, r, err)
		return
	}
	if _, err := s.store.CloseCampaign(r.Context(), c.ID, actor(r)); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flashRedirect(w, r, "ok", i18n.T(r.Context(), "campaign.closed"), "/campaigns/"+c.ID)
}

// handleCampaignExport is /campaigns/{id}/export.xlsx: every organisation
// of the campaign, streamed from one cursor.
func (s *Server) handleCampaignExport(w http.ResponseWriter, r *http.Request) {
	c, err := s.loadCampaign(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	j := s.campaignJSON(c, nil)
	total := 0
	if cl, ok := checklist.Get(c.ChecklistID); ok {
		total = cl.NumQuestions()
	}
	each := func(fn func(export.CampaignRow) error) error {
		return s.store.CampaignOrgsEach(r.Context(), c.ID, func(o store.CampaignOrg) error {
			x := campaignOrgJSONOf(o, total, j.DaysLeft)
			return fn(export.CampaignRow{Org: x.OrgName, State: x.Status, Answered: x.Answered, Total: x.Total, DaysLeft: j.DaysLeft,
				Overdue: x.Overdue, Late: x.Late})
		})
	}
	// The workbook is written once every row was read: a failure before
	// that still answers an error page rather than half a file.
	out := &firstWrite{w: w, before: func() {
		w.Header().Set("Content-Type", export.XLSXContentType)
		w.Header().Set("Content-Disposition", attachment("mamori-campaign-"+s.fileDate()+".xlsx"))
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
	}}
	if err := export.WriteCampaignXLSX(out, c.Title, c.Deadline, each); err != nil {
		if !out.started {
			s.pageError(w, r, err)
			return
		}
		s.log.Error("campaign export cut short", "err", err, "request_id", requestID(r.Context()))
	}
}
