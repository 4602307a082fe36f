package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// SessionRow is a server-side session. The cookie holds a random id; the
// table only its hash.
type SessionRow struct {
	IDHash     []byte
	UserID     *string
	Data       map[string]any
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// SaveSession inserts or replaces a session.
func (s *Store) SaveSession(ctx context.Context, r SessionRow) error {
	data, err := json.Marshal(r.Data)
	if err != nil {
		return fmt.Errorf("store: save session: encode: %w", err)
	}
	_, err = s.pool.Exec(ctx, `
		INSERT INTO sessions (id_hash, user_id, data, created_at, last_seen_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (id_hash) DO UPDATE SET user_id = EXCLUDED.user_id, data = EXCLUDED.data,
			last_seen_at = EXCLUDED.last_seen_at, expires_at = EXCLUDED.expires_at`,
		r.IDHash, r.UserID, data, r.CreatedAt, r.LastSeenAt, r.ExpiresAt)
	if err != nil {
		return fmt.Errorf("store: save session: %w", err)
	}
	return nil
}

// LoadSession returns a session that has not expired, or NotFound.
func (s *Store) LoadSession(ctx context.Context, idHash []byte) (SessionRow, error) {
	r := SessionRow{IDHash: idHash}
	var data []byte
	err := s.pool.QueryRow(ctx, `
		SELECT user_id, data, created_at, last_seen_at, expires_at FROM sessions
		WHERE id_hash = $1 AND expires_at > now()`, idHash).Scan(&r.UserID, &data, &r.CreatedAt, &r.LastSeenAt, &r.ExpiresAt)
	if err != nil {
		return SessionRow{}, fmt.Errorf("store: load session: %w", notFound(err))
	}
	if err := json.Unmarshal(data, &r.Data); err != nil {
		return SessionRow{}, fmt.Errorf("store: load session: decode: %w", err)
	}
	return r, nil
}

// TouchSession moves a session's idle deadline.
func (s *Store) TouchSession(ctx context.Context, idHash []byte, lastSeen, expires time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE id_hash = $1`, idHash, lastSeen, expires); err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

// DeleteSession removes a session (logout, rotation).
func (s *Store) DeleteSession(ctx context.Context, idHash []byte) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE id_hash = $1`, idHash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions past their deadline.
func (s *Store) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= now()`)
	if err != nil {
		return 0, fmt.Errorf("store: delete expired sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}
