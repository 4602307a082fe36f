package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// OutboxMail is one email, sent or not. Key is its idempotency key: one
// notification, or one user's digest of one day, is one email.
type OutboxMail struct {
	ID        int64
	Key       string
	To        string
	Subject   string
	Body      string
	Status    string // queued, sent, logged (no SMTP configured), failed (given up)
	Attempts  int
	LastError string
	CreatedAt time.Time
	SentAt    *time.Time
}

// Delivery is what the email of a notification needs: the notification and
// its recipient.
type Delivery struct {
	Notification Notification
	User         User
}

// DeliveryOf returns a notification and its recipient.
func (s *Store) DeliveryOf(ctx context.Context, notificationID string) (Delivery, error) {
	var d Delivery
	var userID string
	err := s.pool.QueryRow(ctx, `SELECT id, kind, params, link, created_at, read_at, user_id FROM notifications WHERE id = $1`, notificationID).
		Scan(&d.Notification.ID, &d.Notification.Kind, &d.Notification.Params, &d.Notification.Link, &d.Notification.CreatedAt, &d.Notification.ReadAt, &userID)
	if err != nil {
		return Delivery{}, fmt.Errorf("store: delivery %s: %w", notificationID, notFound(err))
	}
	if d.User, err = s.GetUser(ctx, userID); err != nil {
		return Delivery{}, err
	}
	return d, nil
}

// OutboxPut records an email under its key, unless one is there already,
// and returns the recorded one: a retried job finds the email it wrote,
// and its status says whether it went out.
func (s *Store) OutboxPut(ctx context.Context, m OutboxMail, userID string) (OutboxMail, error) {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO mail_outbox (message_key, user_id, to_addr, subject, body) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (message_key) DO NOTHING`, m.Key, nullable(userID), m.To, m.Subject, m.Body)
	if err != nil {
		return OutboxMail{}, fmt.Errorf("store: outbox put: %w", err)
	}
	out, err := scanOutbox(s.pool.QueryRow(ctx, outboxSelect+` WHERE message_key = $1`, m.Key))
	if err != nil {
		return OutboxMail{}, fmt.Errorf("store: outbox put: %w", err)
	}
	return out, nil
}

// OutboxMark records an attempt's outcome: status sent, logged or failed
// (given up), or queued with the error of a failed attempt. The
// notification of the email is marked emailed when it went out.
func (s *Store) OutboxMark(ctx context.Context, key, status, lastError string) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			UPDATE mail_outbox SET status = $2, last_error = $3, attempts = attempts + 1,
				sent_at = CASE WHEN $2 IN ('sent', 'logged') THEN now() END
			WHERE message_key = $1`, key, status, lastError)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: outbox mark: %w", err)
	}
	return nil
}

// MarkEmailed records that notifications went out by email (at once or in
// a digest), so that no digest repeats them.
func (s *Store) MarkEmailed(ctx context.Context, ids []string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE notifications SET emailed_at = now() WHERE id = ANY($1::uuid[]) AND emailed_at IS NULL`, uuidArray(ids)); err != nil {
		return fmt.Errorf("store: mark emailed: %w", err)
	}
	return nil
}

const outboxSelect = `SELECT id, message_key, to_addr, subject, body, status, attempts, last_error, created_at, sent_at FROM mail_outbox`

func scanOutbox(row pgx.Row) (OutboxMail, error) {
	var m OutboxMail
	err := row.Scan(&m.ID, &m.Key, &m.To, &m.Subject, &m.Body, &m.Status, &m.Attempts, &m.LastError, &m.CreatedAt, &m.SentAt)
	return m, err
}

// Outbox returns the latest emails, newest first, for /admin/outbox.
func (s *Store) Outbox(ctx context.Context, limit int) ([]OutboxMail, error) {
	rows, err := s.pool.Query(ctx, outboxSelect+` ORDER BY created_at DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: outbox: %w", err)
	}
	ms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OutboxMail, error) { return scanOutbox(r) })
	if err != nil {
		return nil, fmt.Errorf("store: outbox: %w", err)
	}
	return ms, nil
}

// JobRow is one job of the queue, for /admin/jobs.
type JobRow struct {
	ID          int64
	Kind        string
	State       string
	Attempt     int
	MaxAttempts int
	CreatedAt   time.Time
	ScheduledAt time.Time
	LastError   string
}

// Jobs returns the queue's jobs that are not done (available, scheduled,
// retryable, running) and the latest discarded or cancelled ones.
func (s *Store) Jobs(ctx context.Context, limit int) ([]JobRow, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, kind, state::text, attempt, max_attempts, created_at, scheduled_at,
			coalesce(errors[array_length(errors, 1)]->>'error', '')
		FROM river_job
		WHERE state <> 'completed'
		ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: jobs: %w", err)
	}
	js, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (JobRow, error) {
		var j JobRow
		err := r.Scan(&j.ID, &j.Kind, &j.State, &j.Attempt, &j.MaxAttempts, &j.CreatedAt, &j.ScheduledAt, &j.LastError)
		return j, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: jobs: %w", err)
	}
	return js, nil
}
