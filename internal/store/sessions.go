package store

import (
	"context"
	"encoding/json"
	"fmt"
	"mamori/internal/policy"
	"time"

	"github.com/jackc/pgx/v5"
)

// SessionRow is a server-side session. The cookie holds a random id; the
// table only its hash.
//
// A session is revoked by deleting its row and moving its user's session
// generation on (revokeUserSessions). Nothing brings it back: a row is only
// inserted under a fresh id (CreateSession, ReplaceSession), saving updates a
// live row and nothing else, and a row of an older generation no longer
// loads. A request still in flight on a revoked session thus cannot undo the
// revocation by saving it.
type SessionRow struct {
	IDHash     []byte
	UserID     *string
	Data       map[string]any
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	// Principal is the signed-in user, loaded with the session (nil when
	// none, or when the user was deactivated).
	Principal *policy.Principal
	// Unread is the user's unread notifications, for the bell of every page.
	Unread int
}

// CreateSession inserts a session under a fresh id: a first visit, or a
// sign-in, which takes the user's current session generation.
func (s *Store) CreateSession(ctx context.Context, r SessionRow) error {
	data, err := json.Marshal(r.Data)
	if err != nil {
		return fmt.Errorf("store: create session: encode: %w", err)
	}
	_, err = s.pool.Exec(ctx, `
		INSERT INTO sessions (id_hash, user_id, data, created_at, last_seen_at, expires_at, user_gen)
		VALUES ($1, $2, $3, $4, $5, $6, coalesce((SELECT session_gen FROM users WHERE id = $2), 0))`,
		r.IDHash, r.UserID, data, r.CreatedAt, r.LastSeenAt, r.ExpiresAt)
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// SaveSession updates a live session's data and deadlines. It never inserts
// and never changes whose session it is: a session that was revoked or has
// expired meanwhile answers NotFound.
func (s *Store) SaveSession(ctx context.Context, r SessionRow) error {
	data, err := json.Marshal(r.Data)
	if err != nil {
		return fmt.Errorf("store: save session: encode: %w", err)
	}
	tag, err := s.pool.Exec(ctx, `
		UPDATE sessions s SET data = $3, last_seen_at = $4, expires_at = $5
		WHERE s.id_hash = $1 AND s.user_id IS NOT DISTINCT FROM $2 AND s.expires_at > now()
			AND (s.user_id IS NULL OR s.user_gen = (SELECT session_gen FROM users u WHERE u.id = s.user_id))`,
		r.IDHash, r.UserID, data, r.LastSeenAt, r.ExpiresAt)
	if err != nil {
		return fmt.Errorf("store: save session: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: save session: %w", notFound(pgx.ErrNoRows))
	}
	return nil
}

// ReplaceSession gives a signed-in session a new id (a password change, the
// second factor turned on), in one statement: the old row is deleted and the
// new one, of the same user and generation, inserted only if the old one was
// still live. A session revoked meanwhile answers NotFound.
func (s *Store) ReplaceSession(ctx context.Context, oldIDHash []byte, r SessionRow) error {
	data, err := json.Marshal(r.Data)
	if err != nil {
		return fmt.Errorf("store: replace session: encode: %w", err)
	}
	tag, err := s.pool.Exec(ctx, `
		WITH old AS (
			DELETE FROM sessions s USING users u
			WHERE s.id_hash = $1 AND s.user_id = $3 AND u.id = s.user_id AND s.user_gen = u.session_gen AND s.expires_at > now()
			RETURNING s.user_gen
		)
		INSERT INTO sessions (id_hash, user_id, data, created_at, last_seen_at, expires_at, user_gen)
		SELECT $2, $3, $4, $5, $6, $7, old.user_gen FROM old`,
		oldIDHash, r.IDHash, r.UserID, data, r.CreatedAt, r.LastSeenAt, r.ExpiresAt)
	if err != nil {
		return fmt.Errorf("store: replace session: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: replace session: %w", notFound(pgx.ErrNoRows))
	}
	return nil
}

// LoadSession returns a live session, or NotFound: expired, deleted, or of
// an older generation of its user than the current one (revoked). The
// session comes with its user's principal: one query for both, on every
// request.
func (s *Store) LoadSession(ctx context.Context, idHash []byte) (SessionRow, error) {
	r := SessionRow{IDHash: idHash}
	var data []byte
	var p principalColumns
	err := s.pool.QueryRow(ctx, `
		SELECT s.user_id, s.data, s.created_at, s.last_seen_at, s.expires_at,
			CASE WHEN s.user_id IS NULL THEN 0 ELSE
				(SELECT count(*) FROM notifications n WHERE n.user_id = s.user_id AND n.read_at IS NULL) END, p.*
		FROM sessions s LEFT JOIN users u ON u.id = s.user_id
		LEFT JOIN LATERAL (`+fmt.Sprintf(principalSQL, "s.user_id")+`) p ON true
		WHERE s.id_hash = $1 AND s.expires_at > now() AND (s.user_id IS NULL OR s.user_gen = u.session_gen)`, idHash).
		Scan(append([]any{&r.UserID, &data, &r.CreatedAt, &r.LastSeenAt, &r.ExpiresAt, &r.Unread}, p.dest()...)...)
	if err != nil {
		return SessionRow{}, fmt.Errorf("store: load session: %w", notFound(err))
	}
	if err := json.Unmarshal(data, &r.Data); err != nil {
		return SessionRow{}, fmt.Errorf("store: load session: decode: %w", err)
	}
	if r.Principal, err = s.principal(ctx, p); err != nil {
		return SessionRow{}, fmt.Errorf("store: load session: %w", err)
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

// revokeUserSessions revokes every session of the user except keep (the
// hash of the session that made the change, or nil): their rows go and the
// user's session generation moves on, the kept session with it.
func revokeUserSessions(ctx context.Context, tx pgx.Tx, userID string, keep []byte) error {
	var gen int64
	if err := tx.QueryRow(ctx, `UPDATE users SET session_gen = session_gen + 1 WHERE id = $1 RETURNING session_gen`, userID).Scan(&gen); err != nil {
		return fmt.Errorf("revoke sessions: %w", notFound(err))
	}
	if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND ($2::bytea IS NULL OR id_hash <> $2)`, userID, keep); err != nil {
		return fmt.Errorf("revoke sessions: %w", err)
	}
	if keep != nil {
		// Only a session live under the generation just replaced comes along.
		if _, err := tx.Exec(ctx, `UPDATE sessions SET user_gen = $3 WHERE id_hash = $2 AND user_id = $1 AND user_gen = $4`, userID, keep, gen, gen-1); err != nil {
			return fmt.Errorf("revoke sessions: keep: %w", err)
		}
	}
	return nil
}

// revokeOrgSessionsWithoutTOTP revokes the sessions of the organisation's
// members who have no second factor, and returns how many rows went.
func revokeOrgSessionsWithoutTOTP(ctx context.Context, tx pgx.Tx, orgID string) (int64, error) {
	tag, err := tx.Exec(ctx, `
		WITH revoked AS (
			UPDATE users SET session_gen = session_gen + 1 WHERE org_id = $1 AND NOT totp_enabled RETURNING id
		)
		DELETE FROM sessions WHERE user_id IN (SELECT id FROM revoked)`, orgID)
	if err != nil {
		return 0, fmt.Errorf("revoke sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}
