package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"mamori/internal/assessment"
	"mamori/internal/notice"
)

// Comment is one message of an assessment's review thread: about a question,
// or general when QuestionID is nil. Comments are never edited or deleted.
type Comment struct {
	ID           string
	AssessmentID string
	QuestionID   *string
	AuthorID     *string
	AuthorName   string
	AuthorRole   assessment.Role
	Body         string
	CreatedAt    time.Time
}

// NewComment is what writing a comment takes; QuestionID "" is a general
// comment. The caller has validated the body and the question.
type NewComment struct {
	AssessmentID string
	QuestionID   string
	Body         string
	Actor        Actor
}

const commentSelect = `
	SELECT c.id, c.assessment_id, c.question_id, c.author_id, coalesce(u.display_name, ''), coalesce(u.role, ''),
		c.body, c.created_at
	FROM comments c LEFT JOIN users u ON u.id = c.author_id`

func scanComment(row pgx.Row) (Comment, error) {
	var c Comment
	err := row.Scan(&c.ID, &c.AssessmentID, &c.QuestionID, &c.AuthorID, &c.AuthorName, &c.AuthorRole, &c.Body, &c.CreatedAt)
	return c, err
}

// AddComment writes a comment and records it in the audit trail.
func (s *Store) AddComment(ctx context.Context, n NewComment) (Comment, error) {
	var c Comment
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var orgID string
		// FOR SHARE: the assessment exists and keeps existing until commit;
		// comments of different people run in parallel.
		err := tx.QueryRow(ctx, `SELECT org_id FROM assessments WHERE id = $1 FOR SHARE`, n.AssessmentID).Scan(&orgID)
		if err != nil {
			if pgCode(err) == codeInvalidText {
				err = pgx.ErrNoRows
			}
			return notFound(err)
		}
		if c, err = insertComment(ctx, tx, n); err != nil {
			return err
		}
		if err := s.notifyComment(ctx, tx, n, orgID, c.ID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{ActorID: n.Actor.UserID, Actor: n.Actor.Email, OrgID: orgID, AssessmentID: n.AssessmentID,
			Action: "comment.added", Detail: map[string]any{"comment_id": c.ID, "question_id": c.QuestionID, "body": c.Body}})
	})
	if err != nil {
		return Comment{}, fmt.Errorf("store: add comment: %w", err)
	}
	return c, nil
}

// insertComment writes a comment inside tx without an audit entry of its
// own: for a comment that is part of a change the caller records (the
// comment of a return, the reason of a reopening: Decide).
func insertComment(ctx context.Context, tx pgx.Tx, n NewComment) (Comment, error) {
	var id string
	err := tx.QueryRow(ctx, `
		INSERT INTO comments (assessment_id, question_id, author_id, body)
		VALUES ($1, $2, $3, $4) RETURNING id`,
		n.AssessmentID, nullable(n.QuestionID), nullable(n.Actor.UserID), n.Body).Scan(&id)
	if err != nil {
		return Comment{}, fmt.Errorf("store: insert comment: %w", err)
	}
	c, err := scanComment(tx.QueryRow(ctx, commentSelect+` WHERE c.id = $1`, id))
	if err != nil {
		return Comment{}, fmt.Errorf("store: read comment: %w", err)
	}
	return c, nil
}

// Comments returns an assessment's comments, oldest first.
func (s *Store) Comments(ctx context.Context, assessmentID string) ([]Comment, error) {
	rows, err := s.pool.Query(ctx, commentSelect+` WHERE c.assessment_id = $1 ORDER BY c.created_at, c.id`, assessmentID)
	if err != nil {
		return nil, fmt.Errorf("store: comments: %w", err)
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Comment, error) { return scanComment(r) })
	if err != nil {
		return nil, fmt.Errorf("store: comments: %w", err)
	}
	return cs, nil
}

// Threads groups comments by question id; general comments are under "".
func Threads(cs []Comment) map[string][]Comment {
	m := map[string][]Comment{}
	for _, c := range cs {
		k := ""
		if c.QuestionID != nil {
			k = *c.QuestionID
		}
		m[k] = append(m[k], c)
	}
	return m
}

// notifyComment tells the assignee of a question about a comment on it,
// unless they wrote it.
func (s *Store) notifyComment(ctx context.Context, tx pgx.Tx, n NewComment, orgID, commentID string) error {
	if n.QuestionID == "" {
		return nil
	}
	var userID, title string
	err := tx.QueryRow(ctx, `
		SELECT qa.user_id, a.title FROM question_assignments qa JOIN assessments a ON a.id = qa.assessment_id
		WHERE qa.assessment_id = $1 AND qa.question_id = $2`, n.AssessmentID, n.QuestionID).Scan(&userID, &title)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && userID == n.Actor.UserID) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: notify comment: %w", err)
	}
	return s.notify(ctx, tx, []Notice{{OrgID: orgID, UserID: userID, Kind: notice.Commented, SubjectOrg: orgID,
		Params:    map[string]any{"assessment": title, "question": n.QuestionID},
		Link:      "/assessments/" + n.AssessmentID + "/categories/" + strings.SplitN(n.QuestionID, "-", 2)[0] + "#q-" + n.QuestionID,
		DedupeKey: "comment:" + commentID}})
}
