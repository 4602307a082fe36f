package server

import (
	"time"

	"mamori/internal/assessment"
	"mamori/internal/store"
)

// The JSON shape of /api/v1/assessments/{id}/comments.

// apiComment is one message of an assessment's review thread; QuestionID is
// null for a general comment.
type apiComment struct {
	ID           string          `json:"id"`
	AssessmentID string          `json:"assessment_id"`
	QuestionID   *string         `json:"question_id"`
	AuthorID     *string         `json:"author_id"`
	AuthorName   string          `json:"author_name"`
	AuthorRole   assessment.Role `json:"author_role"`
	Body         string          `json:"body"`
	CreatedAt    time.Time       `json:"created_at"`
}

func commentJSON(c store.Comment) apiComment {
	return apiComment{ID: c.ID, AssessmentID: c.AssessmentID, QuestionID: c.QuestionID, AuthorID: c.AuthorID,
		AuthorName: c.AuthorName, AuthorRole: c.AuthorRole, Body: c.Body, CreatedAt: c.CreatedAt}
}

// commentsJSON is the comments in order, [] when there are none.
func commentsJSON(cs []store.Comment) []apiComment {
	out := make([]apiComment, len(cs))
	for i, c := range cs {
		out[i] = commentJSON(c)
	}
	return out
}
