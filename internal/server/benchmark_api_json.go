package server

import (
	"mamori/internal/score"
	"mamori/web/views"
)

// The JSON shape of /api/v1/assessments/{id}/benchmark.

// apiBenchmark is GET /api/v1/assessments/{id}/benchmark: the assessment's
// total among its risk group, its industry and its size band, and the
// anonymous scatter of total against risk index. Groups smaller than
// score.MinPeers carry only their size.
type apiBenchmark struct {
	AssessmentID string           `json:"assessment_id"`
	Total        int              `json:"total"`
	RiskIndex    int              `json:"risk_index"`
	Group        score.GroupStats `json:"group"`
	Industry     score.GroupStats `json:"industry"`
	Size         score.GroupStats `json:"size"`
	Scatter      apiScatter       `json:"scatter"`
	// Provisional: not yet submitted; compared from the answers so far, with
	// a total projected from their average (暫定).
	Provisional bool `json:"provisional"`
}

// apiScatter is every organisation's latest approved result counted in
// cells of one risk index × scatterBin points of total.
type apiScatter struct {
	N          int                 `json:"n"`
	EnoughData bool                `json:"enough_data"`
	Cells      []views.ScatterCell `json:"cells,omitempty"`
}
