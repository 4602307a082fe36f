package server

import (
	"encoding/hex"
	"time"

	"mamori/internal/evidence"
	"mamori/internal/store"
)

// apiEvidence is an item of the evidence library.
type apiEvidence struct {
	ID            string    `json:"id"`
	OrgID         string    `json:"org_id"`
	Title         string    `json:"title"`
	Description   string    `json:"description"`
	Kind          string    `json:"kind"` // "file" or "link"
	Filename      *string   `json:"filename"`
	Size          *int64    `json:"size"`
	ContentType   *string   `json:"content_type"`
	SHA256        *string   `json:"sha256"`
	URL           *string   `json:"url"`
	EffectiveDate string    `json:"effective_date"`
	ReviewBy      *string   `json:"review_by"`
	CreatedAt     time.Time `json:"created_at"`
	CreatedBy     *string   `json:"created_by"`
	Retired       bool      `json:"retired"`
	Stale         bool      `json:"stale"`
	Uses          int       `json:"uses"`
}

func evidenceJSON(e store.Evidence, today time.Time) apiEvidence {
	out := apiEvidence{ID: e.ID, OrgID: e.OrgID, Title: e.Title, Description: e.Description, Kind: e.Kind,
		EffectiveDate: e.EffectiveDate.Format(time.DateOnly), CreatedAt: e.CreatedAt, Retired: e.Retired,
		Stale: evidence.Stale(e.EffectiveDate, e.ReviewBy, today), Uses: e.Uses}
	if e.Kind == store.KindFile {
		sum := hex.EncodeToString(e.SHA256)
		out.Filename, out.Size, out.ContentType, out.SHA256 = &e.Filename, &e.Size, &e.ContentType, &sum
	} else {
		out.URL = &e.URL
	}
	if e.ReviewBy != nil {
		d := e.ReviewBy.Format(time.DateOnly)
		out.ReviewBy = &d
	}
	if e.CreatedBy != "" {
		out.CreatedBy = &e.CreatedBy
	}
	return out
}

func evidenceListJSON(es []store.Evidence, today time.Time) []apiEvidence {
	out := make([]apiEvidence, len(es))
	for i, e := range es {
		out[i] = evidenceJSON(e, today)
	}
	return out
}

// apiAnswerEvidence is an item backing an answer, in the assessment's JSON.
type apiAnswerEvidence struct {
	EvidenceID        string   `json:"evidence_id"`
	PointIDs          []string `json:"point_ids"`
	Review            *string  `json:"review"` // "accepted", "insufficient" or null
	ReviewComment     string   `json:"review_comment"`
	Stale             bool     `json:"stale"`
	NeedsConfirmation bool     `json:"needs_confirmation"`
}

func answerEvidenceJSON(ls []store.EvidenceLink, today time.Time) []apiAnswerEvidence {
	out := make([]apiAnswerEvidence, len(ls))
	for i, l := range ls {
		out[i] = apiAnswerEvidence{EvidenceID: l.Evidence.ID, PointIDs: l.PointIDs, ReviewComment: l.ReviewComment,
			Stale: evidence.Stale(l.Evidence.EffectiveDate, l.Evidence.ReviewBy, today), NeedsConfirmation: l.NeedsConfirmation}
		if out[i].PointIDs == nil {
			out[i].PointIDs = []string{}
		}
		if l.Review != "" {
			r := l.Review
			out[i].Review = &r
		}
	}
	return out
}
