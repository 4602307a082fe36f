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
	QuestionID  string
	Level       *int
	Comment     string
	PointsMet   []string
	CarriedOver bool
	// ImprovementClaimed: carried over into a new assessment while an
	// action on the question was done since the one copied: the officer
	// checks the level rather than confirming it by habit.
	ImprovementClaimed bool
	Version            int
	UpdatedAt          time.Time
	UpdatedBy          string
	UpdatedByName      string
}

const answerSelect = `
	SELECT x.question_id, x.level, x.comment, x.points_met, x.carried_over, x.improvement_claimed, x.version, x.updated_at,
		coalesce(x.updated_by::text, ''), coalesce(u.display_name, '')
	FROM answers x LEFT JOIN users u ON u.id = x.updated_by`

func scanAnswer(row pgx.Row) (Answer, error) {
	var a Answer
	var level *int16
	err := row.Scan(&a.QuestionID, &level, &a.Comment, &a.PointsMet, &a.CarriedOver, &a.ImprovementClaimed, &a.Version, &a.UpdatedAt, &a.UpdatedBy, &a.UpdatedByName)
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

func sameValues(a Answer, in assessment.AnswerValues) bool {
	if (a.Level == nil) != (in.Level == nil) || (a.Level != nil && *a.Level != *in.Level) {
		return false
	}
	return a.Comment == in.Comment && slices.Equal(a.PointsMet, in.PointsMet) && !a.CarriedOver
}

// SaveAnswer stores one answer if the assessment is editable and the answer
// is still at in.Version, the version the caller read (0 for a question not
// answered before). When another save came in between
// it answers Conflict with the current answer as Detail; saving the values
// that are already stored is accepted whatever the version. The author's
// name is actor.Name: the caller knows it.
//
// The common case, a change based on the current version, is one statement
// (saveAnswerFast). Everything else (a conflict, a repeat, an assessment that
// is not editable or not there) takes the locking transaction, which decides
// and explains.
func (s *Store) SaveAnswer(ctx context.Context, assessmentID, questionID string, in assessment.AnswerValues, actor Actor) (Answer, error) {
	if in.PointsMet == nil {
		in.PointsMet = []string{}
	}
	saved, ok, err := s.saveAnswerFast(ctx, assessmentID, questionID, in, actor)
	if err == nil && !ok {
		saved, err = s.saveAnswerLocked(ctx, assessmentID, questionID, in, actor)
	}
	if err != nil {
		return Answer{}, fmt.Errorf("store: save answer %s/%s: %w", assessmentID, questionID, err)
	}
	return saved, nil
}

// saveAnswerFast saves in one statement (its own transaction) when the
// assessment is editable, the stored answer is at in.Version (none for 0)
// and the values change: it locks the assessment row (so no status change
// slips in), writes the answer with its version check in ON CONFLICT (which
// sees the latest row, whatever the statement's snapshot), moves the
// assessment's updated_at and appends the audit entry, whose old values come
// from the version the check proved current. ok is false when it wrote
// nothing: the caller then decides with saveAnswerLocked.
func (s *Store) saveAnswerFast(ctx context.Context, assessmentID, questionID string, in assessment.AnswerValues, actor Actor) (Answer, bool, error) {
	var level *int16
	if in.Level != nil {
		l := int16(*in.Level)
		level = &l
	}
	editable := []string{string(assessment.Draft), string(assessment.Returned)}
	with, args := auditWithSQL(Audit{ActorID: actor.UserID, Actor: actor.Email, AssessmentID: assessmentID, Action: "answer.saved"}, 9, auditSQL{
		From: "saved s",
		Org:  "(SELECT org_id FROM asmt)",
		Detail: `json_build_object(
			'new', json_build_object('comment', $4::text, 'level', $3::smallint, 'points_met', $5::text[], 'version', s.version),
			'old', (SELECT json_build_object('comment', p.comment, 'level', p.level, 'points_met', p.points_met, 'version', p.version) FROM prior p),
			'question_id', $2::text)`,
	})
	saved := Answer{QuestionID: questionID, Level: in.Level, Comment: in.Comment, PointsMet: in.PointsMet,
		UpdatedBy: actor.UserID, UpdatedByName: actor.Name}
	err := s.pool.QueryRow(ctx, `
		WITH asmt AS (
			SELECT org_id FROM assessments WHERE id = $1 AND status = ANY($7::text[]) FOR NO KEY UPDATE),
		prior AS (
			SELECT level, comment, points_met, carried_over, version FROM answers WHERE assessment_id = $1 AND question_id = $2),
		saved AS (
			INSERT INTO answers (assessment_id, question_id, level, comment, points_met, carried_over, version, updated_by, updated_at)
			SELECT $1, $2, $3, $4, $5, false, 1, $6, now() FROM asmt
			WHERE CASE WHEN EXISTS (SELECT 1 FROM prior)
				THEN (SELECT p.version = $8 AND NOT (p.level IS NOT DISTINCT FROM $3 AND p.comment = $4
					AND p.points_met = $5 AND NOT p.carried_over) FROM prior p)
				ELSE $8 = 0 END
			ON CONFLICT (assessment_id, question_id) DO UPDATE SET level = EXCLUDED.level, comment = EXCLUDED.comment,
				points_met = EXCLUDED.points_met, carried_over = false, improvement_claimed = false, version = answers.version + 1,
				updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
				WHERE answers.version = $8
			RETURNING version, updated_at),
		touched AS (
			UPDATE assessments SET updated_at = now(), updated_by = $6 WHERE id = $1 AND EXISTS (SELECT 1 FROM saved)),
		`+with+`
		SELECT version, updated_at FROM saved`,
		append([]any{assessmentID, questionID, level, in.Comment, in.PointsMet, nullable(actor.UserID), editable, in.Version}, args...)...).
		Scan(&saved.Version, &saved.UpdatedAt)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Answer{}, false, nil
	case err != nil:
		return Answer{}, false, err
	}
	return saved, true, nil
}

// saveAnswerLocked decides a save that the one-statement path could not
// make, in a transaction that locks the assessment and then reads the answer
// (by a statement of its own, so it sees the answer as it is once the lock
// is granted).
func (s *Store) saveAnswerLocked(ctx context.Context, assessmentID, questionID string, in assessment.AnswerValues, actor Actor) (Answer, error) {
	var saved Answer
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var status assessment.Status
		var orgID string
		if err := tx.QueryRow(ctx, `SELECT status, org_id FROM assessments WHERE id = $1 FOR NO KEY UPDATE`, assessmentID).Scan(&status, &orgID); err != nil {
			return notFound(err)
		}
		if !status.Editable() {
			return apperr.K(apperr.Conflict, "err.not_editable")
		}
		cur, err := scanAnswer(tx.QueryRow(ctx, answerSelect+` WHERE x.assessment_id = $1 AND x.question_id = $2`, assessmentID, questionID))
		exists := err == nil
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if !exists {
			cur = Answer{QuestionID: questionID, PointsMet: []string{}}
		}
		switch {
		case exists && sameValues(cur, in):
			saved = cur // harmless repeat
			return nil
		case exists && cur.Version != in.Version, !exists && in.Version != 0:
			e := apperr.K(apperr.Conflict, "err.answer_conflict")
			e.Detail = cur
			return e
		}
		// The stored answer is at in.Version now, under the lock: the
		// one-statement save was overtaken between its snapshot and its
		// write (rare). Write as it would have.
		var level *int16
		if in.Level != nil {
			l := int16(*in.Level)
			level = &l
		}
		saved = Answer{QuestionID: questionID, Level: in.Level, Comment: in.Comment, PointsMet: in.PointsMet,
			UpdatedBy: actor.UserID, UpdatedByName: actor.Name}
		err = tx.QueryRow(ctx, `
			INSERT INTO answers (assessment_id, question_id, level, comment, points_met, carried_over, version, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, false, 1, $6, now())
			ON CONFLICT (assessment_id, question_id) DO UPDATE SET level = EXCLUDED.level, comment = EXCLUDED.comment,
				points_met = EXCLUDED.points_met, carried_over = false, improvement_claimed = false, version = answers.version + 1,
				updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
			RETURNING version, updated_at`,
			assessmentID, questionID, level, in.Comment, in.PointsMet, nullable(actor.UserID)).Scan(&saved.Version, &saved.UpdatedAt)
		if err != nil {
			return err
		}
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
	return saved, err
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

// ConfirmCarried confirms, in one transaction, the carried-over answers
// among questionIDs that are still as they were copied (a save confirms
// an answer already, so those are the ones nobody changed) and that have a
// level, while the assessment is editable (Conflict otherwise). Each
// confirmation is its own audit entry (answer.confirmed), as if confirmed
// one by one. It returns the confirmed question ids in the order given.
func (s *Store) ConfirmCarried(ctx context.Context, assessmentID string, questionIDs []string, actor Actor) ([]string, error) {
	confirmed := []string{}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var status assessment.Status
		var orgID string
		if err := tx.QueryRow(ctx, `SELECT status, org_id FROM assessments WHERE id = $1 FOR NO KEY UPDATE`, assessmentID).Scan(&status, &orgID); err != nil {
			return notFound(err)
		}
		if !status.Editable() {
			return apperr.K(apperr.Conflict, "err.not_editable")
		}
		rows, err := tx.Query(ctx, `
			UPDATE answers SET carried_over = false, version = version + 1, updated_by = $3, updated_at = now()
			WHERE assessment_id = $1 AND question_id = ANY($2::text[]) AND carried_over AND level IS NOT NULL
			RETURNING question_id, level, version`, assessmentID, questionIDs, nullable(actor.UserID))
		if err != nil {
			return err
		}
		type row struct {
			q          string
			level, ver int
		}
		got := map[string]row{}
		var x row
		if _, err := pgx.ForEachRow(rows, []any{&x.q, &x.level, &x.ver}, func() error { got[x.q] = x; return nil }); err != nil {
			return err
		}
		if len(got) == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE assessments SET updated_at = now(), updated_by = $2 WHERE id = $1`, assessmentID, nullable(actor.UserID)); err != nil {
			return err
		}
		for _, q := range questionIDs {
			r, ok := got[q]
			if !ok {
				continue
			}
			confirmed = append(confirmed, q)
			if err := appendAudit(ctx, tx, Audit{ActorID: actor.UserID, Actor: actor.Email, OrgID: orgID, AssessmentID: assessmentID,
				Action: "answer.confirmed", Detail: map[string]any{"question_id": q, "level": r.level, "version": r.ver}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: confirm carried answers of %s: %w", assessmentID, err)
	}
	return confirmed, nil
}
