package server

import (
	"time"

	"mamori/checklist"
	"mamori/internal/campaign"
	"mamori/internal/notice"
	"mamori/internal/store"
)

type campaignJSON struct {
	ID           string            `json:"id"`
	Title        string            `json:"title"`
	ChecklistID  string            `json:"checklist_id"`
	Deadline     string            `json:"deadline"`
	Status       string            `json:"status"`
	Prefill      bool              `json:"prefill"`
	ReminderDays []int             `json:"reminder_days"`
	DaysLeft     int               `json:"days_left"`
	Orgs         []campaignOrgJSON `json:"orgs,omitempty"`
}

type campaignOrgJSON struct {
	OrgID        string `json:"org_id"`
	OrgName      string `json:"org_name"`
	AssessmentID string `json:"assessment_id"`
	Status       string `json:"status"` // not_started, in_progress, submitted, returned, approved
	Answered     int    `json:"answered"`
	Total        int    `json:"total"`
	Overdue      bool   `json:"overdue"`
	Late         *bool  `json:"late,omitempty"` // frozen when the campaign closed
}

// campaignJSON is the campaign with orgs, a page of its organisations (none
// in a list of campaigns).
func (s *Server) campaignJSON(c store.Campaign, orgs []store.CampaignOrg) campaignJSON {
	today := s.now().In(notice.JST)
	total := 0
	if cl, ok := checklist.Get(c.ChecklistID); ok {
		total = cl.NumQuestions()
	}
	out := campaignJSON{ID: c.ID, Title: c.Title, ChecklistID: c.ChecklistID, Deadline: c.Deadline.Format(time.DateOnly), Status: c.Status,
		Prefill: c.Prefill, ReminderDays: c.ReminderDays, DaysLeft: campaign.DaysLeft(c.Deadline, today)}
	for _, o := range orgs {
		out.Orgs = append(out.Orgs, campaignOrgJSONOf(o, total, out.DaysLeft))
	}
	return out
}

func campaignOrgJSONOf(o store.CampaignOrg, total, daysLeft int) campaignOrgJSON {
	return campaignOrgJSON{OrgID: o.OrgID, OrgName: o.OrgName, AssessmentID: o.AssessmentID,
		Status: campaign.OrgState(o.Status, o.Answered), Answered: o.Answered, Total: total,
		Overdue: !campaign.Done(o.Status) && daysLeft < 0, Late: o.Late}
}
