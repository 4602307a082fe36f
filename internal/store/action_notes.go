package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ActionNote is one message of an action's progress thread. Kind is "note"
// (written by hand), "status" (the note, closing note or reason of a status
// change) or "reopened" (the system reopened an accepted risk; Body is the
// review date that passed).
type ActionNote struct {
	ID         string
	ActionID   string
	AuthorID   *string
	AuthorName string
	Kind       string
	Body       string
	CreatedAt  time.Time
}

const actionNoteSelect = `
	SELECT n.id, n.action_id, n.author_id, coalesce(u.display_name, ''), n.kind, n.body, n.created_at
	FROM action_notes n LEFT JOIN users u ON u.id = n.author_id`

func scanActionNote(row pgx.Row) (ActionNote, error) {
	var n ActionNote
	err := row.Scan(&n.ID, &n.ActionID, &n.AuthorID, &n.AuthorName, &n.Kind, &n.Body, &n.CreatedAt)
	return n, err
}

// AddActionNote writes a progress note and records it in the audit trail.
// The caller has validated the body.
func (s *Store) AddActionNote(ctx context.Context, actionID, body string, by Actor) (ActionNote, error) {
	var n ActionNote
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var a Action
		// FOR SHARE: the action keeps existing until commit.
		err := tx.QueryRow(ctx, `SELECT id, org_id FROM actions WHERE id = $1 FOR SHARE`, uuidArg(actionID)).Scan(&a.ID, &a.OrgID)
		if err != nil {
			return notFound(err)
		}
		if n, err = insertActionNote(ctx, tx, a, "note", body, by); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{ActorID: by.UserID, Actor: by.Email, OrgID: a.OrgID,
			Action: "action.note_added", Detail: map[string]any{"action_id": a.ID, "note_id": n.ID, "body": body}})
	})
	if err != nil {
		return ActionNote{}, fmt.Errorf("store: add action note: %w", err)
	}
	return n, nil
}

func insertActionNote(ctx context.Context, tx pgx.Tx, a Action, kind, body string, by Actor) (ActionNote, error) {
	var id string
	err := tx.QueryRow(ctx, `INSERT INTO action_notes (org_id, action_id, author_id, kind, body) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		a.OrgID, a.ID, nullable(by.UserID), kind, body).Scan(&id)
	if err != nil {
		return ActionNote{}, fmt.Errorf("insert action note: %w", err)
	}
	return scanActionNote(tx.QueryRow(ctx, actionNoteSelect+` WHERE n.id = $1`, id))
}

// ActionNotes returns an action's thread, oldest first.
func (s *Store) ActionNotes(ctx context.Context, actionID string) ([]ActionNote, error) {
	rows, err := s.pool.Query(ctx, actionNoteSelect+` WHERE n.action_id = $1 ORDER BY n.created_at, n.id`, uuidArg(actionID))
	if err != nil {
		return nil, fmt.Errorf("store: action notes: %w", err)
	}
	ns, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ActionNote, error) { return scanActionNote(r) })
	if err != nil {
		return nil, fmt.Errorf("store: action notes: %w", err)
	}
	return ns, nil
}
