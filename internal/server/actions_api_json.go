package server

import (
	"time"

	"mamori/internal/action"
	"mamori/internal/store"
)

// The JSON shapes of the improvement actions API.

// apiAction is an improvement action. EvidenceIDs are the evidence items
// its closing named ([] unless done).
type apiAction struct {
	ID                 string             `json:"id"`
	OrgID              string             `json:"org_id"`
	OrgName            string             `json:"org_name"`
	Title              string             `json:"title"`
	Description        string             `json:"description"`
	Questions          []action.Planned   `json:"questions"`
	PointIDs           []string           `json:"point_ids"`
	OwnerID            string             `json:"owner_id"`
	OwnerName          string             `json:"owner_name"`
	DueOn              string             `json:"due_on"`
	Priority           action.Priority    `json:"priority"`
	Status             action.Status      `json:"status"`
	Overdue            bool               `json:"overdue"`
	EvidenceIDs        []string           `json:"evidence_ids"`
	ClosingNote        *string            `json:"closing_note"`
	RiskAcceptance     *apiRiskAcceptance `json:"risk_acceptance"`
	ReopenedReason     *string            `json:"reopened_reason"`
	SourceAssessmentID *string            `json:"source_assessment_id"`
	CreatedAt          time.Time          `json:"created_at"`
	UpdatedAt          time.Time          `json:"updated_at"`
	Version            int                `json:"version"`
}

type apiRiskAcceptance struct {
	ApprovedBy     string `json:"approved_by"`
	ApprovedByName string `json:"approved_by_name"`
	Reason         string `json:"reason"`
	ReviewOn       string `json:"review_on"`
}

// apiActionNote is one message of an action's progress thread.
type apiActionNote struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	AuthorID   *string   `json:"author_id"`
	AuthorName string    `json:"author_name"`
	Body       string    `json:"body"`
	CreatedAt  time.Time `json:"created_at"`
}

// actionJSONAt is the API shape of an action, overdue as of today.
func actionJSONAt(today time.Time) func(a store.Action) apiAction {
	return func(a store.Action) apiAction {
		out := apiAction{ID: a.ID, OrgID: a.OrgID, OrgName: a.OrgName, Title: a.Title, Description: a.Description,
			Questions: a.Questions, PointIDs: a.PointIDs, OwnerID: a.OwnerID, OwnerName: a.OwnerName,
			DueOn: a.DueOn.Format(time.DateOnly), Priority: a.Priority, Status: a.Status,
			Overdue: action.Overdue(a.Status, a.DueOn, today), EvidenceIDs: nonNilIDs(a.EvidenceIDs), ClosingNote: a.ClosingNote,
			ReopenedReason: a.ReopenedReason, SourceAssessmentID: a.SourceAssessmentID,
			CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, Version: a.Version}
		if out.Questions == nil {
			out.Questions = []action.Planned{}
		}
		if a.Risk != nil {
			out.RiskAcceptance = &apiRiskAcceptance{ApprovedBy: a.Risk.ApprovedBy, ApprovedByName: a.Risk.ApprovedByName,
				Reason: a.Risk.Reason, ReviewOn: a.Risk.ReviewOn.Format(time.DateOnly)}
		}
		return out
	}
}

func actionsJSON(as []store.Action, today time.Time) []apiAction {
	out := make([]apiAction, len(as))
	conv := actionJSONAt(today)
	for i, a := range as {
		out[i] = conv(a)
	}
	return out
}

func actionNotesJSON(ns []store.ActionNote) []apiActionNote {
	out := make([]apiActionNote, len(ns))
	for i, n := range ns {
		out[i] = apiActionNote{ID: n.ID, Kind: n.Kind, AuthorID: n.AuthorID, AuthorName: n.AuthorName, Body: n.Body, CreatedAt: n.CreatedAt}
	}
	return out
}

func nonNilIDs(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}
