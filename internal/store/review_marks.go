package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"mamori/internal/apperr"
	"mamori/internal/assessment"
)

// Review marks: an auditor's view of a question.
const (
	MarkOK             = assessment.MarkOK
	MarkNeedsAttention = assessment.MarkNeedsAttention
)

// ValidMark reports whether m is a mark ("" is not: it clears a mark).
func ValidMark(m string) bool { return m == MarkOK || m == MarkNeedsAttention }

// ReviewMark is the mark of one question.
type ReviewMark struct {
	QuestionID    string
	Mark          string
	UpdatedBy     string
	UpdatedByName string
	UpdatedAt     time.Time
}

// Marks returns an assessment's marks by question id.
func (s *Store) Marks(ctx context.Context, assessmentID string) (map[string]ReviewMark, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT m.question_id, m.mark, coalesce(m.updated_by::text, ''), coalesce(u.display_name, ''), m.updated_at
		FROM review_marks m LEFT JOIN users u ON u.id = m.updated_by
		WHERE m.assessment_id = $1`, assessmentID)
	if err != nil {
		return nil, fmt.Errorf("store: marks: %w", err)
	}
	ms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ReviewMark, error) {
		var m ReviewMark
		err := r.Scan(&m.QuestionID, &m.Mark, &m.UpdatedBy, &m.UpdatedByName, &m.UpdatedAt)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: marks: %w", err)
	}
	out := make(map[string]ReviewMark, len(ms))
	for _, m := range ms {
		out[m.QuestionID] = m
	}
	return out, nil
}

// SetMark sets the mark of a question ("" clears it) and records the change
// in the audit trail. Marks change only while the assessment is submitted:
// they are the auditor's findings of the review under way, and stay as they
// were when it is returned (the officers see them) or approved. Setting the
// mark a question already has changes nothing and records nothing.
func (s *Store) SetMark(ctx context.Context, assessmentID, questionID, mark string, actor Actor) error {
	if mark != "" && !ValidMark(mark) {
		return apperr.InvalidFieldsK("review.mark_invalid", map[string]string{"mark": "unknown"})
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var status assessment.Status
		var orgID string
		// FOR SHARE: a return or approval (FOR UPDATE) waits for the mark,
		// and the mark is refused once they are done.
		err := tx.QueryRow(ctx, `SELECT status, org_id FROM assessments WHERE id = $1 FOR SHARE`, assessmentID).Scan(&status, &orgID)
		if err != nil {
			if pgCode(err) == codeInvalidText {
				err = pgx.ErrNoRows
			}
			return notFound(err)
		}
		if status != assessment.Submitted {
			e := apperr.K(apperr.Conflict, "review.mark_not_submitted", apperr.KeyArg("status."+string(status)))
			e.Detail = map[string]any{"status": status}
			return e
		}
		var old string
		err = tx.QueryRow(ctx, `SELECT mark FROM review_marks WHERE assessment_id = $1 AND question_id = $2 FOR UPDATE`, assessmentID, questionID).Scan(&old)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if old == mark {
			return nil
		}
		if mark == "" {
			_, err = tx.Exec(ctx, `DELETE FROM review_marks WHERE assessment_id = $1 AND question_id = $2`, assessmentID, questionID)
		} else {
			_, err = tx.Exec(ctx, `
				INSERT INTO review_marks (assessment_id, question_id, mark, updated_by, updated_at) VALUES ($1, $2, $3, $4, now())
				ON CONFLICT (assessment_id, question_id) DO UPDATE SET mark = EXCLUDED.mark, updated_by = EXCLUDED.updated_by, updated_at = now()`,
				assessmentID, questionID, mark, nullable(actor.UserID))
		}
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{ActorID: actor.UserID, Actor: actor.Email, OrgID: orgID, AssessmentID: assessmentID,
			Action: "review.marked", Detail: map[string]any{"question_id": questionID, "old": nullable(old), "new": nullable(mark)}})
	})
	if err != nil {
		return fmt.Errorf("store: set mark %s/%s: %w", assessmentID, questionID, err)
	}
	return nil
}

// AttentionCounts returns, for each of the assessments that has any, how
// many questions are marked as needing attention.
func (s *Store) AttentionCounts(ctx context.Context, assessmentIDs []string) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT assessment_id::text, count(*) FROM review_marks
		WHERE assessment_id = ANY($1::uuid[]) AND mark = 'needs_attention'
		GROUP BY assessment_id`, uuidArray(assessmentIDs))
	if err != nil {
		return nil, fmt.Errorf("store: attention counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("store: attention counts: %w", err)
		}
		out[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: attention counts: %w", err)
	}
	return out, nil
}
