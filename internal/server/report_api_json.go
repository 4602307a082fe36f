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
	Categories      []apiCategory         `json:"categories"`
	Questions       []score.QuestionScore `json:"questions"`
	Recommendations []apiRecommendation   `json:"recommendations"`
	// Provisional: a draft or returned assessment, scored from the answers
	// so far against the current targets (暫定（未提出）).
	Provisional bool `json:"provisional"`
}

// apiCategory is one category's scores; average is null when none of its
// questions is answered (never 0, which would read as a score).
type apiCategory struct {
	ID            string   `json:"id"`
	Title         string   `json:"title"`
	Score         int      `json:"score"`
	Max           int      `json:"max"`
	Average       *float64 `json:"average"`
	Target        int      `json:"target"`
	TargetAverage float64  `json:"target_average"`
	Answered      int      `json:"answered"`
	Questions     int      `json:"questions"`
}

func categoriesJSON(cs []score.CategoryScore) []apiCategory {
	out := make([]apiCategory, len(cs))
	for i, c := range cs {
		out[i] = apiCategory{ID: c.ID, Title: c.Title, Score: c.Score, Max: c.Max, Target: c.Target,
			TargetAverage: c.TargetAverage, Answered: c.Answered, Questions: c.Questions}
		if c.Answered > 0 {
			avg := c.Average
			out[i].Average = &avg
		}
	}
	return out
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
		Categories: categoriesJSON(d.Report.Categories), Questions: d.Report.Questions, Provisional: !frozenStatus(a.Status),
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
