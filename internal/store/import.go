package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"mamori/internal/apperr"
	"mamori/internal/assessment"
)

// ImportRow is one answer read from an uploaded file, already validated
// against the checklist (see package export): key points in checklist order.
type ImportRow struct {
	QuestionID string
	Level      *int
	Comment    string
	PointsMet  []string
}

// ImportResult says what an import changed.
type ImportResult struct {
	Changed   []string // question ids whose answer was written, in file order
	Unchanged int      // rows equal to the stored answer
}

// ImportAnswers writes the uploaded answers of an editable assessment in one
// transaction: all of them or, on any error, none. Unlike SaveAnswer there is
// no version check: an import overwrites deliberately. A row equal to the
// stored answer changes nothing (except that, as with SaveAnswer, it
// confirms a carried-over answer); an empty row for a question never answered
// is skipped. Every change is recorded in the audit trail (answer.imported,
// old → new).
func (s *Store) ImportAnswers(ctx context.Context, assessmentID string, rows []ImportRow, actor Actor) (ImportResult, error) {
	var res ImportResult
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var status assessment.Status
		var orgID string
		// FOR UPDATE: no single save and no status change runs while the
		// file is written.
		err := tx.QueryRow(ctx, `SELECT status, org_id FROM assessments WHERE id = $1 FOR UPDATE`, assessmentID).Scan(&status, &orgID)
		if pgCode(err) == codeInvalidText {
			err = pgx.ErrNoRows
		}
		if err != nil {
			return notFound(err)
		}
		if !status.Editable() {
			return apperr.K(apperr.Conflict, "err.not_editable")
		}
		cur, err := lockedAnswers(ctx, tx, assessmentID)
		if err != nil {
			return err
		}
		var audits []Audit
		for _, row := range rows {
			in := assessment.AnswerValues{Level: row.Level, Comment: row.Comment, PointsMet: row.PointsMet}
			if in.PointsMet == nil {
				in.PointsMet = []string{}
			}
			old, exists := cur[row.QuestionID]
			empty := in.Level == nil && in.Comment == "" && len(in.PointsMet) == 0
			if (exists && sameValues(old, in)) || (!exists && empty) {
				res.Unchanged++
				continue
			}
			var level *int16
			if in.Level != nil {
				l := int16(*in.Level)
				level = &l
			}
			var version int
			err := tx.QueryRow(ctx, `
				INSERT INTO answers (assessment_id, question_id, level, comment, points_met, carried_over, version, updated_by, updated_at)
				VALUES ($1, $2, $3, $4, $5, false, 1, $6, now())
				ON CONFLICT (assessment_id, question_id) DO UPDATE SET level = EXCLUDED.level, comment = EXCLUDED.comment,
					points_met = EXCLUDED.points_met, carried_over = false, version = answers.version + 1,
					updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
				RETURNING version`,
				assessmentID, row.QuestionID, level, in.Comment, in.PointsMet, nullable(actor.UserID)).Scan(&version)
			if err != nil {
				if pgCode(err) == codeCheckViolation {
					return apperr.InvalidFieldsK("err.answer_invalid", map[string]string{row.QuestionID: "invalid"})
				}
				return err
			}
			res.Changed = append(res.Changed, row.QuestionID)
			var before map[string]any
			if exists {
				before = map[string]any{"level": old.Level, "comment": old.Comment, "points_met": old.PointsMet, "version": old.Version}
			}
			audits = append(audits, Audit{ActorID: actor.UserID, Actor: actor.Email, OrgID: orgID, AssessmentID: assessmentID,
				Action: "answer.imported", Detail: map[string]any{"question_id": row.QuestionID, "old": before,
					"new": map[string]any{"level": in.Level, "comment": in.Comment, "points_met": in.PointsMet, "version": version}}})
		}
		if len(res.Changed) == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE assessments SET updated_at = now(), updated_by = $2 WHERE id = $1`, assessmentID, nullable(actor.UserID)); err != nil {
			return err
		}
		// The audit entries come last: appendAudit's lock is held until commit.
		for _, a := range audits {
			if err := appendAudit(ctx, tx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, fmt.Errorf("store: import answers %s: %w", assessmentID, err)
	}
	return res, nil
}

// lockedAnswers reads an assessment's answers inside tx, locking them.
func lockedAnswers(ctx context.Context, tx pgx.Tx, assessmentID string) (map[string]Answer, error) {
	rows, err := tx.Query(ctx, answerSelect+` WHERE x.assessment_id = $1 FOR UPDATE OF x`, assessmentID)
	if err != nil {
		return nil, err
	}
	as, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Answer, error) { return scanAnswer(r) })
	if err != nil {
		return nil, err
	}
	m := make(map[string]Answer, len(as))
	for _, a := range as {
		m[a.QuestionID] = a
	}
	return m, nil
}
