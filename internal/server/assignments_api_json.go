package server

import (
	"sort"
	"time"

	"mamori/internal/store"
)

type assignmentJSON struct {
	QuestionID string    `json:"question_id"`
	UserID     string    `json:"user_id"`
	UserName   string    `json:"user_name,omitempty"`
	DueOn      *string   `json:"due_on"`
	Note       string    `json:"note"`
	AssignedAt time.Time `json:"assigned_at"`
}

func dateJSON(d *time.Time) *string {
	if d == nil {
		return nil
	}
	s := d.Format(time.DateOnly)
	return &s
}

func toAssignmentJSON(a store.QuestionAssignment) assignmentJSON {
	return assignmentJSON{QuestionID: a.QuestionID, UserID: a.UserID, UserName: a.UserName, DueOn: dateJSON(a.DueOn), Note: a.Note, AssignedAt: a.AssignedAt}
}

func assignmentsJSON(m map[string]store.QuestionAssignment) []assignmentJSON {
	out := make([]assignmentJSON, 0, len(m))
	for _, a := range m {
		out = append(out, toAssignmentJSON(a))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].QuestionID < out[j].QuestionID })
	return out
}

type taskJSON struct {
	Kind         string  `json:"kind"` // "question", "action" or "review"
	AssessmentID string  `json:"assessment_id,omitempty"`
	ActionID     string  `json:"action_id,omitempty"`
	Status       string  `json:"status,omitempty"` // an action's`
	Title        string  `json:"title"`
	Org          string  `json:"org"`
	QuestionID   string  `json:"question_id,omitempty"`
	DueOn        *string `json:"due_on"`
	Note         string  `json:"note,omitempty"`
	CarriedOver  bool    `json:"carried_over,omitempty"`
	Link         string  `json:"link"`
}
