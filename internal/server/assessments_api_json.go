package server

import (
	"time"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/store"
)

// The JSON shapes of /api/v1/assessments and their answers. They are the
// public API: the store's structs change with the schema, these do not.

// apiAssessment is the JSON shape of an assessment.
type apiAssessment struct {
	ID          string               `json:"id"`
	OrgID       string               `json:"org_id"`
	Title       string               `json:"title"`
	ChecklistID string               `json:"checklist_id"`
	Status      assessment.Status    `json:"status"`
	CopiedFrom  *string              `json:"copied_from"`
	CreatedAt   time.Time            `json:"created_at"`
	UpdatedAt   time.Time            `json:"updated_at"`
	SubmittedAt *time.Time           `json:"submitted_at"`
	Progress    apiProgress          `json:"progress"`
	Answers     map[string]apiAnswer `json:"answers,omitempty"`
}

type apiProgress struct {
	Answered    int `json:"answered"`
	Total       int `json:"total"`
	CarriedOver int `json:"carried_over"`
}

// apiAnswer is the answer to one question, keyed by its question id.
type apiAnswer struct {
	Level       *int     `json:"level"`
	Comment     string   `json:"comment"`
	PointsMet   []string `json:"points_met"`
	CarriedOver bool     `json:"carried_over"`
	// ImprovementClaimed: an action on the question was done since the
	// assessment this one was copied from: check the level.
	ImprovementClaimed bool      `json:"improvement_claimed"`
	Version            int       `json:"version"`
	UpdatedAt          time.Time `json:"updated_at"`
	UpdatedBy          string    `json:"updated_by"`
	UpdatedByName      string    `json:"updated_by_name"`
	// Evidence is what backs the answer: in GET /api/v1/assessments/{id}
	// only (nil elsewhere).
	Evidence *[]apiAnswerEvidence `json:"evidence,omitempty"`
}

func answerJSON(a store.Answer) apiAnswer {
	return apiAnswer{Level: a.Level, Comment: a.Comment, PointsMet: a.PointsMet, CarriedOver: a.CarriedOver,
		ImprovementClaimed: a.ImprovementClaimed, Version: a.Version, UpdatedAt: a.UpdatedAt, UpdatedBy: a.UpdatedBy, UpdatedByName: a.UpdatedByName}
}

// toAPI is an assessment with its answers, or with its progress only when
// answers is nil.
func toAPI(a store.Assessment, answers map[string]store.Answer) apiAssessment {
	total := 0
	if cl, ok := checklist.Get(a.ChecklistID); ok {
		total = cl.NumQuestions()
	}
	out := apiAssessment{ID: a.ID, OrgID: a.OrgID, Title: a.Title, ChecklistID: a.ChecklistID, Status: a.Status, CopiedFrom: a.CopiedFrom,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, SubmittedAt: a.SubmittedAt,
		Progress: apiProgress{Answered: a.Answered, Total: total, CarriedOver: a.CarriedOver}}
	if answers != nil {
		out.Answers = make(map[string]apiAnswer, len(answers))
		out.Progress.Answered, out.Progress.CarriedOver = 0, 0
		for id, x := range answers {
			out.Answers[id] = answerJSON(x)
			if x.Level != nil {
				out.Progress.Answered++
			}
			if x.CarriedOver {
				out.Progress.CarriedOver++
			}
		}
	}
	return out
}
