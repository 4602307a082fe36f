package server

import (
	"context"
	"time"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/score"
	"mamori/internal/store"
	"mamori/web/i18n"
)

// The JSON shape of /api/v1/assessments/{id}/report.

// apiReport is GET /api/v1/assessments/{id}/report.
type apiReport struct {
	AssessmentID    string                `json:"assessment_id"`
	Status          assessment.Status     `json:"status"`
	RiskGroup       score.RiskGroup       `json:"risk_group"`
	RiskIndex       int                   `json:"risk_index"`
	Reasons         []apiReason           `json:"reasons"`
	TargetsFrozen   bool                  `json:"targets_frozen"`
	FrozenAt        *time.Time            `json:"frozen_at"`
	Answered        int                   `json:"answered"`
	TotalQuestions  int                   `json:"total_questions"`
	Total           score.Totals          `json:"total"`
	Categories      []score.CategoryScore `json:"categories"`
	Questions       []score.QuestionScore `json:"questions"`
	Recommendations []apiRecommendation   `json:"recommendations"`
}

// apiRecommendation is a recommendation (推奨される取り組み) with the key
// points not yet met spelled out in the request's language.
type apiRecommendation struct {
	QuestionID string     `json:"question_id"`
	CategoryID string     `json:"category_id"`
	Gap        int        `json:"gap"`
	Level      int        `json:"level"`
	Target     int        `json:"target"`
	Points     []apiPoint `json:"points"`
}

type apiPoint struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

func reportJSON(ctx context.Context, a store.Assessment, cl *checklist.Checklist, d diagnosis) apiReport {
	out := apiReport{AssessmentID: a.ID, Status: a.Status, RiskGroup: d.Risk.Group, RiskIndex: d.Risk.Index,
		Reasons: apiReasons(ctx, d.Risk, d.Basis.Profile), TargetsFrozen: d.Frozen,
		Answered: d.Report.Answered, TotalQuestions: d.Report.TotalQuestions, Total: d.Report.Total,
		Categories: d.Report.Categories, Questions: d.Report.Questions,
		Recommendations: make([]apiRecommendation, len(d.Report.Recommendations))}
	if d.Frozen {
		out.FrozenAt = &d.FrozenAt
	}
	en := i18n.Lang(ctx) == "en"
	for i, rec := range d.Report.Recommendations {
		out.Recommendations[i] = apiRecommendation{QuestionID: rec.QuestionID, CategoryID: rec.CategoryID, Gap: rec.Gap,
			Level: rec.Level, Target: rec.Target, Points: pointTexts(cl, rec.QuestionID, rec.MissingPoints, en)}
	}
	return out
}

// pointTexts spells out key points of a question, in English when en.
func pointTexts(cl *checklist.Checklist, qid string, ids []string, en bool) []apiPoint {
	out := make([]apiPoint, 0, len(ids))
	q, ok := cl.Question(qid)
	for _, id := range ids {
		p := apiPoint{ID: id, Text: id}
		if ok {
			for _, pt := range q.Points {
				if pt.ID == id {
					p.Text = pt.Text
					if en && pt.TextEN != "" {
						p.Text = pt.TextEN
					}
				}
			}
		}
		out = append(out, p)
	}
	return out
}
