package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// APIToken is a bearer token's record; the token itself is never stored.
type APIToken struct {
	ID         string
	UserID     string
	Label      string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

const tokenColumns = `id, user_id, label, created_at, last_used_at, revoked_at`

func scanToken(row pgx.Row) (APIToken, error) {
	var t APIToken
	err := row.Scan(&t.ID, &t.UserID, &t.Label, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt)
	return t, err
}

// CreateToken stores the hash of a new token of the user and records it in
// the audit trail, by the actor (the user, or an operator at the CLI).
func (s *Store) CreateToken(ctx context.Context, userID, label string, hash []byte, by Actor) (APIToken, error) {
	var t APIToken
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var orgID string
		err := tx.QueryRow(ctx, `SELECT org_id FROM users WHERE id = $1`, userID).Scan(&orgID)
		if err != nil {
			if pgCode(err) == codeInvalidText {
				err = pgx.ErrNoRows
			}
			return notFound(err)
		}
		t, err = scanToken(tx.QueryRow(ctx,
			`INSERT INTO api_tokens (user_id, label, token_hash) VALUES ($1, $2, $3) RETURNING `+tokenColumns, userID, label, hash))
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{ActorID: by.UserID, Actor: by.Email, OrgID: orgID, Action: "token.created",
			Detail: map[string]any{"token_id": t.ID, "user_id": userID, "label": label}})
	})
	if err != nil {
		return APIToken{}, fmt.Errorf("store: create token: %w", err)
	}
	return t, nil
}

// TokenUser returns the token and its active user for a token hash, and
// records its use (at most once a minute, to spare writes).
func (s *Store) TokenUser(ctx context.Context, hash []byte) (APIToken, error) {
	t, err := scanToken(s.pool.QueryRow(ctx, `
		SELECT t.id, t.user_id, t.label, t.created_at, t.last_used_at, t.revoked_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active`, hash))
	if err != nil {
		return APIToken{}, fmt.Errorf("store: token lookup: %w", notFound(err))
	}
	if t.LastUsedAt == nil || time.Since(*t.LastUsedAt) > time.Minute {
		if _, err := s.pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = now() WHERE id = $1`, t.ID); err != nil {
			return APIToken{}, fmt.Errorf("store: token touch: %w", err)
		}
	}
	return t, nil
}

// ListTokens returns a user's tokens, newest first.
func (s *Store) ListTokens(ctx context.Context, userID string) ([]APIToken, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	ts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (APIToken, error) { return scanToken(r) })
	if err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	return ts, nil
}

// RevokeToken revokes one of the user's own tokens and records it in the
// audit trail; another user's token, or one already revoked, answers
// NotFound.
func (s *Store) RevokeToken(ctx context.Context, userID, tokenID string, by Actor) (APIToken, error) {
	var t APIToken
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		t, err = scanToken(tx.QueryRow(ctx, `
			UPDATE api_tokens SET revoked_at = now()
			WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING `+tokenColumns, tokenID, userID))
		if err != nil {
			if pgCode(err) == codeInvalidText {
				err = pgx.ErrNoRows
			}
			return notFound(err)
		}
		var orgID string
		if err := tx.QueryRow(ctx, `SELECT org_id FROM users WHERE id = $1`, userID).Scan(&orgID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{ActorID: by.UserID, Actor: by.Email, OrgID: orgID, Action: "token.revoked",
			Detail: map[string]any{"token_id": t.ID, "user_id": userID, "label": t.Label}})
	})
	if err != nil {
		return APIToken{}, fmt.Errorf("store: revoke token: %w", err)
	}
	return t, nil
}

// RevokeUserTokens revokes every live token of the user (a password change
// that ends the API access too) and records it in the audit trail when there
// were any. It returns how many were revoked.
func (s *Store) RevokeUserTokens(ctx context.Context, userID string, by Actor) (int, error) {
	var ids []string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var orgID string
		err := tx.QueryRow(ctx, `SELECT org_id FROM users WHERE id = $1 FOR UPDATE`, userID).Scan(&orgID)
		if err != nil {
			if pgCode(err) == codeInvalidText {
				err = pgx.ErrNoRows
			}
			return notFound(err)
		}
		rows, err := tx.Query(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`, userID)
		if err != nil {
			return err
		}
		if ids, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		return appendAudit(ctx, tx, Audit{ActorID: by.UserID, Actor: by.Email, OrgID: orgID, Action: "token.revoked_all",
			Detail: map[string]any{"user_id": userID, "token_ids": ids, "count": len(ids)}})
	})
	if err != nil {
		return 0, fmt.Errorf("store: revoke user tokens: %w", err)
	}
	return len(ids), nil
}
