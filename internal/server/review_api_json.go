package server

import (
	"encoding/hex"
	"encoding/json"
	"time"

	"mamori/internal/assessment"
	"mamori/internal/store"
)

// The JSON shapes of the review API: the auditor's queue and decisions,
// review marks and the audit trail.

// apiQueueItem is a submitted assessment waiting for review.
type apiQueueItem struct {
	AssessmentID    string    `json:"assessment_id"`
	Title           string    `json:"title"`
	OrgID           string    `json:"org_id"`
	OrgName         string    `json:"org_name"`
	SubmittedByName string    `json:"submitted_by_name"`
	SubmittedAt     time.Time `json:"submitted_at"`
	Round           int       `json:"round"` // 1 for the first submission, 2 after one return, ...
}

// apiDecision is a return, approval or reopening.
type apiDecision struct {
	Seq          int64             `json:"seq"`
	At           time.Time         `json:"at"`
	Action       assessment.Action `json:"action"`
	AssessmentID string            `json:"assessment_id"`
	Title        string            `json:"title"`
	OrgName      string            `json:"org_name"`
	Status       assessment.Status `json:"status"` // the assessment's status now
	Comment      string            `json:"comment"`
}

func queueJSON(q []store.QueueItem) []apiQueueItem {
	if q == nil {
		return nil
	}
	out := make([]apiQueueItem, len(q))
	for i, x := range q {
		out[i] = apiQueueItem{AssessmentID: x.AssessmentID, Title: x.Title, OrgID: x.OrgID, OrgName: x.OrgName,
			SubmittedByName: x.SubmittedByName, SubmittedAt: x.SubmittedAt, Round: x.Round}
	}
	return out
}

func decisionsJSON(ds []store.Decision) []apiDecision {
	if ds == nil {
		return nil
	}
	out := make([]apiDecision, len(ds))
	for i, x := range ds {
		out[i] = apiDecision{Seq: x.Seq, At: x.At, Action: x.Action, AssessmentID: x.AssessmentID, Title: x.Title,
			OrgName: x.OrgName, Status: x.Status, Comment: x.Comment}
	}
	return out
}

// apiMark is an auditor's mark of one question.
type apiMark struct {
	QuestionID    string    `json:"question_id"`
	Mark          string    `json:"mark"`
	UpdatedBy     string    `json:"updated_by"`
	UpdatedByName string    `json:"updated_by_name"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// marksJSON is the marks by question id.
func marksJSON(ms map[string]store.ReviewMark) map[string]apiMark {
	if ms == nil {
		return nil
	}
	out := make(map[string]apiMark, len(ms))
	for id, m := range ms {
		out[id] = apiMark{QuestionID: m.QuestionID, Mark: m.Mark, UpdatedBy: m.UpdatedBy, UpdatedByName: m.UpdatedByName, UpdatedAt: m.UpdatedAt}
	}
	return out
}

// apiAuditEntry is one audit row as the API shows it, hashes in hex.
type apiAuditEntry struct {
	Seq      int64           `json:"seq"`
	At       time.Time       `json:"at"`
	Actor    string          `json:"actor"`
	Action   string          `json:"action"`
	Detail   json.RawMessage `json:"detail"`
	Hash     string          `json:"hash"`
	PrevHash *string         `json:"prev_hash"`
}

func auditJSON(es []store.AuditEntry) []apiAuditEntry {
	out := make([]apiAuditEntry, len(es))
	for i, e := range es {
		out[i] = apiAuditEntry{Seq: e.Seq, At: e.At, Actor: e.Actor, Action: e.Action, Detail: e.Detail, Hash: hex.EncodeToString(e.Hash)}
		if e.PrevHash != nil {
			p := hex.EncodeToString(e.PrevHash)
			out[i].PrevHash = &p
		}
	}
	return out
}

// apiReviewedOrg is an organisation the auditor reviews with its latest
// assessment (null when it has none).
type apiReviewedOrg struct {
	OrgID      string         `json:"org_id"`
	OrgName    string         `json:"org_name"`
	Assessment *apiAssessment `json:"assessment"`
}

func reviewedOrgsJSON(os []store.OrgLatest) []apiReviewedOrg {
	out := make([]apiReviewedOrg, len(os))
	for i, o := range os {
		out[i] = apiReviewedOrg{OrgID: o.OrgID, OrgName: o.OrgName}
		if o.Assessment != nil {
			a := toAPI(*o.Assessment, nil)
			out[i].Assessment = &a
		}
	}
	return out
}
