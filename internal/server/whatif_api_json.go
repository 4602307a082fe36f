package server

import "mamori/internal/score"

// The JSON shape of POST /api/v1/assessments/{id}/what-if.

// apiWhatIf is the report's score block computed with the planned levels,
// the difference from today's, and the projected benchmark.
type apiWhatIf struct {
	AssessmentID   string                `json:"assessment_id"`
	Levels         map[string]int        `json:"levels"`
	Answered       int                   `json:"answered"`
	TotalQuestions int                   `json:"total_questions"`
	Total          score.Totals          `json:"total"`
	Categories     []score.CategoryScore `json:"categories"`
	Questions      []score.QuestionScore `json:"questions"`
	Delta          score.Delta           `json:"delta"`
	// Benchmark is null when the assessment has no frozen result to rank
	// (never submitted); a group too small has only n and enough_data.
	Benchmark *apiWhatIfBenchmark `json:"benchmark"`
}

type apiWhatIfBenchmark struct {
	RiskGroup apiWhatIfGroup `json:"risk_group"`
	Industry  apiWhatIfGroup `json:"industry"`
	Size      apiWhatIfGroup `json:"size"`
}

// apiWhatIfGroup is one peer group today and with the projection in place
// of the organisation's own result.
type apiWhatIfGroup struct {
	Today     score.GroupStats `json:"today"`
	Projected score.GroupStats `json:"projected"`
}
