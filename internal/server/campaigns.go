package server

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

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
		d.Campaigns = append(d.Campaigns, s.campaignJSONView(c))
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

func (s *Server) campaignJSONView(c store.Campaign) views.CampaignView {
	j := s.campaignJSON(c)
	v := views.CampaignView{ID: j.ID, Title: j.Title, Deadline: j.Deadline, Status: j.Status, DaysLeft: j.DaysLeft}
	for _, o := range j.Orgs {
		v.Orgs = append(v.Orgs, views.CampaignOrgView{OrgName: o.OrgName, AssessmentID: o.AssessmentID, State: o.Status,
			Answered: o.Answered, Total: o.Total, Overdue: o.Overdue, Late: o.Late})
	}
	return v
}

// handleCampaign is /campaigns/{id}: per organisation its state, progress,
// days left and whether it is overdue (or was late, once closed).
func (s *Server) handleCampaign(w http.ResponseWriter, r *http.Request) {
	c, err := s.loadCampaign(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := views.CampaignData{C: s.campaignJSONView(c), CanClose: c.Status == "open" && policy.CloseCampaign(principal(r.Context()), c.OrgID) == nil}
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

// handleCampaignExport is /campaigns/{id}/export.xlsx.
func (s *Server) handleCampaignExport(w http.ResponseWriter, r *http.Request) {
	c, err := s.loadCampaign(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	j := s.campaignJSON(c)
	rows := make([]export.CampaignRow, len(j.Orgs))
	for i, o := range j.Orgs {
		rows[i] = export.CampaignRow{Org: o.OrgName, State: o.Status, Answered: o.Answered, Total: o.Total, DaysLeft: j.DaysLeft, Overdue: o.Overdue, Late: o.Late}
	}
	var buf bytes.Buffer
	if err := export.WriteCampaignXLSX(&buf, c.Title, c.Deadline, rows); err != nil {
		s.pageError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", export.XLSXContentType)
	w.Header().Set("Content-Disposition", attachment("mamori-campaign-"+s.fileDate()+".xlsx"))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}
