package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"mamori/internal/apperr"
	"mamori/internal/notice"
)

// QuestionAssignment is a question of an assessment given to an officer of
// its organisation, with an optional due date and note. It coordinates the
// work and locks nothing: any officer may still answer the question.
type QuestionAssignment struct {
	AssessmentID string
	QuestionID   string
	UserID       string
	UserName     string
	DueOn        *time.Time // a date (UTC midnight)
	Note         string
	AssignedAt   time.Time
}

// NewQuestionAssignment is what assigning takes. The caller has checked the
// question ids against the checklist.
type NewQuestionAssignment struct {
	AssessmentID string
	QuestionIDs  []string // one question, or a whole category's
	UserID       string
	DueOn        *time.Time
	Note         string
	Actor        Actor
}

const questionAssignmentSelect = `
	SELECT qa.assessment_id, qa.question_id, qa.user_id, u.display_name, qa.due_on, qa.note, qa.assigned_at
	FROM question_assignments qa JOIN users u ON u.id = qa.user_id`

func scanQuestionAssignment(row pgx.Row) (QuestionAssignment, error) {
	var a QuestionAssignment
	err := row.Scan(&a.AssessmentID, &a.QuestionID, &a.UserID, &a.UserName, &a.DueOn, &a.Note, &a.AssignedAt)
	return a, err
}

// AssignQuestions gives questions of an assessment to an officer of its
// organisation (replacing an earlier assignee), records it in the audit
// trail and notifies the assignee, all in one transaction. An assignee who
// is not an active officer of the assessment's organisation is refused
// (Invalid), whichever organisation they belong to.
func (s *Store) AssignQuestions(ctx context.Context, n NewQuestionAssignment) ([]QuestionAssignment, error) {
	var out []QuestionAssignment
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var orgID, title string
		err := tx.QueryRow(ctx, `SELECT org_id, title FROM assessments WHERE id = $1 FOR SHARE`, n.AssessmentID).Scan(&orgID, &title)
		if err != nil {
			if pgCode(err) == codeInvalidText {
				err = pgx.ErrNoRows
			}
			return notFound(err)
		}
		var ok bool
		err = tx.QueryRow(ctx, `SELECT org_id = $2 AND role = 'officer' AND active FROM users WHERE id = $1`, n.UserID, orgID).Scan(&ok)
		if pgCode(err) == codeInvalidText || errors.Is(err, pgx.ErrNoRows) || (err == nil && !ok) {
			return apperr.InvalidFieldsK("assign.user_invalid", map[string]string{"user_id": "not_officer"})
		}
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			INSERT INTO question_assignments (org_id, assessment_id, question_id, user_id, due_on, note, assigned_by)
			SELECT $1, $2, q, $3, $4, $5, $6 FROM unnest($7::text[]) q
			ON CONFLICT (assessment_id, question_id) DO UPDATE
			SET user_id = EXCLUDED.user_id, due_on = EXCLUDED.due_on, note = EXCLUDED.note,
				assigned_by = EXCLUDED.assigned_by, assigned_at = now()
			RETURNING assessment_id, question_id, user_id, '', due_on, note, assigned_at`,
			orgID, n.AssessmentID, n.UserID, n.DueOn, n.Note, nullable(n.Actor.UserID), n.QuestionIDs)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (QuestionAssignment, error) { return scanQuestionAssignment(r) }); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, []Notice{{
			OrgID: orgID, UserID: n.UserID, Kind: notice.Assigned, SubjectOrg: orgID,
			Params: map[string]any{"assessment": title, "questions": n.QuestionIDs, "due_on": dateString(n.DueOn)},
			Link:   "/tasks", DedupeKey: fmt.Sprintf("assigned:%s:%s:%v:%s", n.AssessmentID, n.UserID, n.QuestionIDs, s.now().UTC().Format(time.RFC3339Nano)),
		}}); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{ActorID: n.Actor.UserID, Actor: n.Actor.Email, OrgID: orgID, AssessmentID: n.AssessmentID,
			Action: "question.assigned", Detail: map[string]any{"questions": n.QuestionIDs, "user_id": n.UserID, "due_on": dateString(n.DueOn), "note": n.Note}})
	})
	if err != nil {
		return nil, fmt.Errorf("store: assign questions: %w", err)
	}
	return out, nil
}

func dateString(d *time.Time) string {
	if d == nil {
		return ""
	}
	return d.Format(time.DateOnly)
}

// UnassignQuestion removes a question's assignment and records it; a
// question without one answers NotFound.
func (s *Store) UnassignQuestion(ctx context.Context, assessmentID, questionID string, by Actor) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var orgID, userID string
		err := tx.QueryRow(ctx, `DELETE FROM question_assignments WHERE assessment_id = $1 AND question_id = $2 RETURNING org_id, user_id`,
			assessmentID, questionID).Scan(&orgID, &userID)
		if err != nil {
			if pgCode(err) == codeInvalidText {
				err = pgx.ErrNoRows
			}
			return notFound(err)
		}
		return appendAudit(ctx, tx, Audit{ActorID: by.UserID, Actor: by.Email, OrgID: orgID, AssessmentID: assessmentID,
			Action: "question.unassigned", Detail: map[string]any{"question_id": questionID, "user_id": userID}})
	})
	if err != nil {
		return fmt.Errorf("store: unassign question: %w", err)
	}
	return nil
}

// QuestionAssignments returns an assessment's assignments by question id.
func (s *Store) QuestionAssignments(ctx context.Context, assessmentID string) (map[string]QuestionAssignment, error) {
	rows, err := s.pool.Query(ctx, questionAssignmentSelect+` WHERE qa.assessment_id = $1 ORDER BY qa.question_id`, assessmentID)
	if err != nil {
		return nil, fmt.Errorf("store: question assignments: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (QuestionAssignment, error) { return scanQuestionAssignment(r) })
	if err != nil {
		return nil, fmt.Errorf("store: question assignments: %w", err)
	}
	m := make(map[string]QuestionAssignment, len(list))
	for _, a := range list {
		m[a.QuestionID] = a
	}
	return m, nil
}

// Task is an assigned question still to do: unanswered, or carried over and
// not yet confirmed, in an assessment that can still be edited.
type Task struct {
	AssessmentID string
	Title        string
	OrgName      string
	QuestionID   string
	DueOn        *time.Time
	Note         string
	CarriedOver  bool
}

// Tasks lists the user's open question assignments, the earliest due date
// first (those without one last).
func (s *Store) Tasks(ctx context.Context, orgID, userID string) ([]Task, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT a.id, a.title, o.name, qa.question_id, qa.due_on, qa.note, coalesce(an.carried_over, false)
		FROM question_assignments qa
		JOIN assessments a ON a.id = qa.assessment_id
		JOIN orgs o ON o.id = a.org_id
		LEFT JOIN answers an ON an.assessment_id = qa.assessment_id AND an.question_id = qa.question_id
		WHERE qa.org_id = $1 AND qa.user_id = $2 AND a.status IN ('draft', 'returned')
			AND (an.level IS NULL OR an.carried_over)
		ORDER BY qa.due_on NULLS LAST, a.created_at, qa.question_id`, orgID, userID)
	if err != nil {
		return nil, fmt.Errorf("store: tasks: %w", err)
	}
	ts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Task, error) {
		var t Task
		err := r.Scan(&t.AssessmentID, &t.Title, &t.OrgName, &t.QuestionID, &t.DueOn, &t.Note, &t.CarriedOver)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: tasks: %w", err)
	}
	return ts, nil
}

// OrgOfficers lists the active officers of an organisation, by name.
func (s *Store) OrgOfficers(ctx context.Context, orgID string) ([]User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users WHERE org_id = $1 AND role = 'officer' AND active ORDER BY display_name, email`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: org officers: %w", err)
	}
	us, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (User, error) { return scanUser(r) })
	if err != nil {
		return nil, fmt.Errorf("store: org officers: %w", err)
	}
	return us, nil
}
