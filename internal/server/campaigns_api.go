package server

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"mamori/checklist"
	"mamori/internal/apperr"
	"mamori/internal/campaign"
	"mamori/internal/notice"
	"mamori/internal/policy"
	"mamori/internal/store"
)

// campaignInput is a launch, from the form or the API.
type campaignInput struct {
	Title        string   `json:"title"`
	ChecklistID  string   `json:"checklist_id"`
	OrgIDs       []string `json:"org_ids"`
	Scope        string   `json:"scope"` // "subtree": the caller's organisation and all its descendants
	Deadline     string   `json:"deadline"`
	Prefill      bool     `json:"prefill"`
	ReminderDays []int    `json:"reminder_days"`
}

// launchCampaign is shared by the page and the API: managers launch for
// their organisation and any of its descendants, with a deadline from today
// on (JST); an organisation outside the subtree is 422 naming it.
func (s *Server) launchCampaign(r *http.Request, in campaignInput) (store.Campaign, error) {
	ctx := r.Context()
	p := principal(ctx)
	if err := policy.LaunchCampaign(p, p.OrgID); err != nil {
		return store.Campaign{}, err
	}
	in.Title = normalizeText(strings.TrimSpace(in.Title))
	if in.Title == "" || utf8.RuneCountInString(in.Title) > 200 {
		return store.Campaign{}, apperr.InvalidFieldsK("assessments.title_invalid", map[string]string{"title": "length 1-200"})
	}
	if in.ChecklistID == "" {
		in.ChecklistID = checklist.Default().ID
	}
	if _, ok := checklist.Get(in.ChecklistID); !ok {
		return store.Campaign{}, apperr.InvalidFieldsK("err.checklist_unknown", map[string]string{"checklist_id": "unknown"})
	}
	deadline, err := time.Parse(time.DateOnly, strings.TrimSpace(in.Deadline))
	if err != nil {
		return store.Campaign{}, apperr.InvalidFieldsK("campaign.deadline_invalid", map[string]string{"deadline": "date"})
	}
	if deadline.Before(campaign.Day(s.now().In(notice.JST))) {
		return store.Campaign{}, apperr.InvalidFieldsK("campaign.deadline_past", map[string]string{"deadline": "past"})
	}
	if in.ReminderDays == nil {
		in.ReminderDays = campaign.DefaultReminderDays
	}
	if !campaign.ValidReminderDays(in.ReminderDays) {
		return store.Campaign{}, apperr.InvalidFieldsK("campaign.reminders_invalid", map[string]string{"reminder_days": "1-365, distinct"})
	}
	allowed, err := s.store.OrgAndDescendants(ctx, p.OrgID)
	if err != nil {
		return store.Campaign{}, err
	}
	orgs := in.OrgIDs
	switch {
	case in.Scope == "subtree" && len(orgs) == 0:
		orgs = allowed
	case in.Scope != "" && in.Scope != "subtree":
		return store.Campaign{}, apperr.InvalidFieldsK("campaign.scope_invalid", map[string]string{"scope": "subtree"})
	case len(orgs) == 0:
		return store.Campaign{}, apperr.InvalidFieldsK("campaign.orgs_required", map[string]string{"org_ids": "required"})
	}
	if out := campaign.OutsideScope(orgs, allowed); len(out) > 0 {
		return store.Campaign{}, apperr.InvalidFieldsK("campaign.org_outside", map[string]string{"org_ids": "outside:" + out[0]}, out[0])
	}
	return s.store.LaunchCampaign(ctx, store.NewCampaign{OrgID: p.OrgID, Title: in.Title, ChecklistID: in.ChecklistID, OrgIDs: orgs,
		Deadline: deadline, Prefill: in.Prefill, ReminderDays: in.ReminderDays, Actor: actor(r)})
}

// loadCampaign returns the campaign of the URL if the caller may see it.
func (s *Server) loadCampaign(r *http.Request) (store.Campaign, error) {
	c, err := s.store.GetCampaign(r.Context(), chi.URLParam(r, "campaignID"))
	if err != nil {
		return store.Campaign{}, err
	}
	if err := policy.ViewCampaign(principal(r.Context()), c.OrgID); err != nil {
		return store.Campaign{}, err
	}
	return c, nil
}

// apiCampaignCreate is POST /api/v1/campaigns: 201 with the campaign; 409
// for a second open one with the same title, deadline and organisations.
func (s *Server) apiCampaignCreate(w http.ResponseWriter, r *http.Request) {
	var in campaignInput
	if err := decodeJSON(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.launchCampaign(r, in)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeCampaign(w, r, http.StatusCreated, c, 1)
}

// apiCampaigns is GET /api/v1/campaigns: the campaigns the caller may see.
func (s *Server) apiCampaigns(w http.ResponseWriter, r *http.Request) {
	cs, err := s.visibleCampaigns(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]campaignJSON, len(cs))
	for i, c := range cs {
		out[i] = s.campaignJSON(c, nil)
	}
	writeJSON(w, http.StatusOK, map[string]any{"campaigns": out})
}

// visibleCampaigns lists the campaigns the caller may open (managers and
// admins), without their organisations.
func (s *Server) visibleCampaigns(r *http.Request) ([]store.Campaign, error) {
	ctx := r.Context()
	p := principal(ctx)
	if err := policy.ViewDashboard(p); err != nil {
		return nil, err
	}
	scope := store.AllScope
	if !p.Admin { // a manager: their organisation's subtree
		scope = p.OrgID
	}
	cs, err := s.store.ScopeCampaigns(ctx, scope)
	if err != nil {
		return nil, err
	}
	out := cs[:0]
	for _, c := range cs {
		if policy.ViewCampaign(p, c.OrgID) == nil {
			out = append(out, c)
		}
	}
	return out, nil
}

// apiCampaignPageSize is the number of a campaign's organisations per API
// page.
const apiCampaignPageSize = 100

// apiCampaign is GET /api/v1/campaigns/{id}: the campaign with a page of
// its organisations by name (?page=, from 1); a Link header names the next
// page when there is one.
func (s *Server) apiCampaign(w http.ResponseWriter, r *http.Request) {
	c, err := s.loadCampaign(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeCampaign(w, r, http.StatusOK, c, listPage(r))
}

// writeCampaign answers the campaign with the given page of its
// organisations (none past the last), and the next page's Link.
func (s *Server) writeCampaign(w http.ResponseWriter, r *http.Request, status int, c store.Campaign, page int) {
	pg, err := s.store.CampaignOrgsPage(r.Context(), c.ID, page, apiCampaignPageSize)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if page > pg.Pages {
		pg.Rows = nil
	}
	if page < pg.Pages {
		w.Header().Set("Link", fmt.Sprintf(`</api/v1/campaigns/%s?page=%d>; rel="next"`, c.ID, page+1))
	}
	writeJSON(w, status, s.campaignJSON(c, pg.Rows))
}

// apiCampaignClose is POST /api/v1/campaigns/{id}/close: 200, or 409 when
// closed already.
func (s *Server) apiCampaignClose(w http.ResponseWriter, r *http.Request) {
	c, err := s.loadCampaign(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := policy.CloseCampaign(principal(r.Context()), c.OrgID); err != nil {
		s.apiError(w, r, err)
		return
	}
	if c, err = s.store.CloseCampaign(r.Context(), c.ID, actor(r)); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeCampaign(w, r, http.StatusOK, c, 1)
}
