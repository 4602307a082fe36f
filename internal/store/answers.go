package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"mamori/internal/apperr"
	"mamori/internal/assessment"
)

// Answer is the answer to one question.
type Answer struct {
	QuestionID    string    `json:"-"`
	Level         *int      `json:"level"`
	Comment       string    `json:"comment"`
	PointsMet     []string  `json:"points_met"`
	CarriedOver   bool      `json:"carried_over"`
	Version       int       `json:"version"`
	UpdatedAt     time.Time `json:"updated_at"`
	UpdatedBy     string    `json:"updated_by"`
	UpdatedByName string    `json:"updated_by_name"`
}

// AnswerInput is one save: the values and the version they were based on
// (0 for a question not answered before).
type AnswerInput struct {
	Level     *int
	Comment   string
	PointsMet []string
	Version   int
	// Confirm marks a carried-over answer as confirmed even when nothing
	// changed (every save by an officer confirms).
}

const answerSelect = `
	SELECT x.question_id, x.level, x.comment, x.points_met, x.carried_over, x.version, x.updated_at,
		coalesce(x.updated_by::text, ''), coalesce(u.display_name, '')
	FROM answers x LEFT JOIN users u ON u.id = x.updated_by`

func scanAnswer(row pgx.Row) (Answer, error) {
	var a Answer
	var level *int16
	err := row.Scan(&a.QuestionID, &level, &a.Comment, &a.PointsMet, &a.CarriedOver, &a.Version, &a.UpdatedAt, &a.UpdatedBy, &a.UpdatedByName)
	if level != nil {
		l := int(*level)
		a.Level = &l
	}
	if a.PointsMet == nil {
		a.PointsMet = []string{}
	}
	return a, err
}

// Answers returns an assessment's answers by question id.
func (s *Store) Answers(ctx context.Context, assessmentID string) (map[string]Answer, error) {
	rows, err := s.pool.Query(ctx, answerSelect+` WHERE x.assessment_id = $1`, assessmentID)
	if err != nil {
		return nil, fmt.Errorf("store: answers: %w", err)
	}
	as, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Answer, error) { return scanAnswer(r) })
	if err != nil {
		return nil, fmt.Errorf("store: answers: %w", err)
	}
	m := make(map[string]Answer, len(as))
	for _, a := range as {
		m[a.QuestionID] = a
	}
	return m, nil
}

func sameValues(a Answer, in AnswerInput) bool {
	if (a.Level == nil) != (in.Level == nil) || (a.Level != nil && *a.Level != *in.Level) {
		return false
	}
	return a.Comment == in.Comment && slices.Equal(a.PointsMet, in.PointsMet) && !a.CarriedOver
}

// SaveAnswer stores one answer if the assessment is editable and the answer
// is still at the version the caller read. When another save came in between
// it answers Conflict with the current answer as Detail; saving the values
// that are already stored is accepted whatever the version.
func (s *Store) SaveAnswer(ctx context.Context, assessmentID, questionID string, in AnswerInput, actor Actor) (Answer, error) {
	if in.PointsMet == nil {
		in.PointsMet = []string{}
	}
	var saved Answer
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var status assessment.Status
		var orgID string
		// Lock the assessment row: a status change (FOR UPDATE) cannot slip
		// between the editable check and the write, and the row's
		// updated_at can be written below without a share-lock upgrade
		// deadlock. Saves to one assessment queue here for a millisecond or
		// two; the audit chain serialises them at commit anyway.
		if err := tx.QueryRow(ctx, `SELECT status, org_id FROM assessments WHERE id = $1 FOR NO KEY UPDATE`, assessmentID).Scan(&status, &orgID); err != nil {
			return notFound(err)
		}
		if !status.Editable() {
			return apperr.K(apperr.Conflict, "err.not_editable")
		}
		cur, err := scanAnswer(tx.QueryRow(ctx, answerSelect+` WHERE x.assessment_id = $1 AND x.question_id = $2 FOR UPDATE OF x`, assessmentID, questionID))
		exists := err == nil
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		switch {
		case exists && sameValues(cur, in):
			saved = cur // harmless repeat
			return nil
		case exists && cur.Version != in.Version, !exists && in.Version != 0:
			if !exists {
				cur = Answer{QuestionID: questionID, PointsMet: []string{}}
			}
			e := apperr.K(apperr.Conflict, "err.answer_conflict")
			e.Detail = cur
			return e
		}
		var level *int16
		if in.Level != nil {
			l := int16(*in.Level)
			level = &l
		}
		err = tx.QueryRow(ctx, `
			INSERT INTO answers (assessment_id, question_id, level, comment, points_met, carried_over, version, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, false, 1, $6, now())
			ON CONFLICT (assessment_id, question_id) DO UPDATE SET level = EXCLUDED.level, comment = EXCLUDED.comment,
				points_met = EXCLUDED.points_met, carried_over = false, version = answers.version + 1,
				updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
			RETURNING version, updated_at`,
			assessmentID, questionID, level, in.Comment, in.PointsMet, nullable(actor.UserID)).Scan(&saved.Version, &saved.UpdatedAt)
		if err != nil {
			return err
		}
		saved.QuestionID, saved.Level, saved.Comment, saved.PointsMet = questionID, in.Level, in.Comment, in.PointsMet
		saved.UpdatedBy = actor.UserID
		if _, err := tx.Exec(ctx, `UPDATE assessments SET updated_at = now(), updated_by = $2 WHERE id = $1`, assessmentID, nullable(actor.UserID)); err != nil {
			return err
		}
		old := map[string]any(nil)
		if exists {
			old = map[string]any{"level": cur.Level, "comment": cur.Comment, "points_met": cur.PointsMet, "version": cur.Version}
		}
		return appendAudit(ctx, tx, Audit{ActorID: actor.UserID, Actor: actor.Email, OrgID: orgID, AssessmentID: assessmentID,
			Action: "answer.saved", Detail: map[string]any{"question_id": questionID, "old": old,
				"new": map[string]any{"level": in.Level, "comment": in.Comment, "points_met": in.PointsMet, "version": saved.Version}}})
	})
	if err != nil {
		return Answer{}, fmt.Errorf("store: save answer %s/%s: %w", assessmentID, questionID, err)
	}
	if saved.UpdatedByName == "" && saved.UpdatedBy == actor.UserID {
		saved.UpdatedByName = actor.Name
	}
	if saved.UpdatedByName == "" && actor.UserID != "" {
		if saved.UpdatedByName, err = s.displayName(ctx, actor.UserID); err != nil {
			return Answer{}, fmt.Errorf("store: save answer %s/%s (saved): %w", assessmentID, questionID, err)
		}
	}
	return saved, nil
}

// answerStates reads, inside a transaction, which questions have a level
// and which still carry an unconfirmed carried-over answer.
func answerStates(ctx context.Context, tx pgx.Tx, assessmentID string) (map[string]assessment.AnswerState, error) {
	rows, err := tx.Query(ctx, `SELECT question_id, level IS NOT NULL, carried_over FROM answers WHERE assessment_id = $1`, assessmentID)
	if err != nil {
		return nil, fmt.Errorf("store: answer state: %w", err)
	}
	defer rows.Close()
	states := map[string]assessment.AnswerState{}
	for rows.Next() {
		var q string
		var st assessment.AnswerState
		if err := rows.Scan(&q, &st.Answered, &st.CarriedOver); err != nil {
			return nil, fmt.Errorf("store: answer state: %w", err)
		}
		states[q] = st
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: answer state: %w", err)
	}
	return states, nil
}
