package export

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"mamori/internal/assessment"
	"mamori/internal/score"
	"mamori/internal/store"
)

// FormatJSON names the JSON export's shape, so a reader can tell versions
// apart.
const FormatJSON = "mamori.assessment.v1"

type jsonDoc struct {
	Format     string                  `json:"format"`
	ExportedAt time.Time               `json:"exported_at"`
	Assessment jsonAssessment          `json:"assessment"`
	Answers    map[string]store.Answer `json:"answers"`
	Report     jsonReport              `json:"report"`
	Comments   []store.Comment         `json:"comments"`
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
		Answers:  a.Answers,
		Report:   jsonReport{RiskGroup: a.RiskGroup, Report: a.Report},
		Comments: a.Comments,
	}
	if doc.Answers == nil {
		doc.Answers = map[string]store.Answer{}
	}
	if doc.Comments == nil {
		doc.Comments = []store.Comment{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("export: json: %w", err)
	}
	return nil
}
