package export

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"mamori/internal/action"
	"mamori/internal/assessment"
	"mamori/internal/score"
)

// FormatJSON names the JSON export's shape, so a reader can tell versions
// apart.
const FormatJSON = "mamori.assessment.v1"

// jsonDoc is the JSON export. Its shapes are its own, not the store's:
// FormatJSON is a promise to readers that a schema change must not break.
type jsonDoc struct {
	Format     string                `json:"format"`
	ExportedAt time.Time             `json:"exported_at"`
	Assessment jsonAssessment        `json:"assessment"`
	Answers    map[string]jsonAnswer `json:"answers"`
	Report     jsonReport            `json:"report"`
	Comments   []jsonComment         `json:"comments"`
	Actions    []jsonAction          `json:"actions"`
}

// jsonAction is one action of the organisation's plan. EvidenceIDs are the
// items its closing named ([] unless done).
type jsonAction struct {
	ID          string           `json:"id"`
	Title       string           `json:"title"`
	Questions   []action.Planned `json:"questions"`
	PointIDs    []string         `json:"point_ids"`
	OwnerID     string           `json:"owner_id"`
	OwnerName   string           `json:"owner_name"`
	DueOn       string           `json:"due_on"`
	Priority    action.Priority  `json:"priority"`
	Status      action.Status    `json:"status"`
	EvidenceIDs []string         `json:"evidence_ids"`
	ClosingNote *string          `json:"closing_note"`
}

type jsonAssessment struct {
	ID          string            `json:"id"`
	OrgID       string            `json:"org_id"`
	OrgName     string            `json:"org_name"`
	Title       string            `json:"title"`
	ChecklistID string            `json:"checklist_id"`
	Status      assessment.Status `json:"status"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
	SubmittedAt *time.Time        `json:"submitted_at"`
	DecidedAt   *time.Time        `json:"decided_at"`
}

// jsonAnswer is the answer to one question, keyed by its question id.
type jsonAnswer struct {
	Level         *int      `json:"level"`
	Comment       string    `json:"comment"`
	PointsMet     []string  `json:"points_met"`
	CarriedOver   bool      `json:"carried_over"`
	Version       int       `json:"version"`
	UpdatedAt     time.Time `json:"updated_at"`
	UpdatedBy     string    `json:"updated_by"`
	UpdatedByName string    `json:"updated_by_name"`
}

// jsonComment is one message of the review thread; QuestionID is null for
// a general comment.
type jsonComment struct {
	ID           string          `json:"id"`
	AssessmentID string          `json:"assessment_id"`
	QuestionID   *string         `json:"question_id"`
	AuthorID     *string         `json:"author_id"`
	AuthorName   string          `json:"author_name"`
	AuthorRole   assessment.Role `json:"author_role"`
	Body         string          `json:"body"`
	CreatedAt    time.Time       `json:"created_at"`
}

type jsonReport struct {
	RiskGroup score.RiskGroup `json:"risk_group"`
	score.Report
}

// WriteJSON writes the assessment with its answers (by question id), its
// report and its review comments as one indented JSON document.
func WriteJSON(w io.Writer, a *Assessment) error {
	x := a.Assessment
	doc := jsonDoc{
		Format:     FormatJSON,
		ExportedAt: a.ExportedAt.UTC(),
		Assessment: jsonAssessment{ID: x.ID, OrgID: x.OrgID, OrgName: x.OrgName, Title: x.Title, ChecklistID: x.ChecklistID,
			Status: x.Status, CreatedAt: x.CreatedAt, UpdatedAt: x.UpdatedAt, SubmittedAt: x.SubmittedAt, DecidedAt: x.DecidedAt},
		Answers:  make(map[string]jsonAnswer, len(a.Answers)),
		Report:   jsonReport{RiskGroup: a.RiskGroup, Report: a.Report},
		Comments: make([]jsonComment, len(a.Comments)),
	}
	for id, x := range a.Answers {
		doc.Answers[id] = jsonAnswer{Level: x.Level, Comment: x.Comment, PointsMet: x.PointsMet, CarriedOver: x.CarriedOver,
			Version: x.Version, UpdatedAt: x.UpdatedAt, UpdatedBy: x.UpdatedBy, UpdatedByName: x.UpdatedByName}
	}
	doc.Actions = make([]jsonAction, len(a.Actions))
	for i, x := range a.Actions {
		ids := x.EvidenceIDs
		if ids == nil {
			ids = []string{}
		}
		doc.Actions[i] = jsonAction{ID: x.ID, Title: x.Title, Questions: x.Questions, PointIDs: x.PointIDs, OwnerID: x.OwnerID,
			OwnerName: x.OwnerName, DueOn: x.DueOn.Format(time.DateOnly), Priority: x.Priority, Status: x.Status,
			EvidenceIDs: ids, ClosingNote: x.ClosingNote}
	}
	for i, c := range a.Comments {
		doc.Comments[i] = jsonComment{ID: c.ID, AssessmentID: c.AssessmentID, QuestionID: c.QuestionID, AuthorID: c.AuthorID,
			AuthorName: c.AuthorName, AuthorRole: c.AuthorRole, Body: c.Body, CreatedAt: c.CreatedAt}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("export: json: %w", err)
	}
	return nil
}
