package store

import (
	"context"
	"fmt"
	"time"
)

// RecordLoginFailure notes a failed login of email from client.
func (s *Store) RecordLoginFailure(ctx context.Context, email, client string) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO login_failures (email, client) VALUES ($1, $2)`, NormalizeEmail(email), client); err != nil {
		return fmt.Errorf("store: record login failure: %w", err)
	}
	return nil
}

// LoginFailures counts, within the window, the failures for this account from
// this client and all failures from this client, and returns the time the
// oldest counted failure leaves the window (when the caller may try again).
func (s *Store) LoginFailures(ctx context.Context, email, client string, window time.Duration) (forAccount, forClient int, oldestAccount, oldestClient time.Time, err error) {
	since := time.Now().Add(-window)
	var oa, oc *time.Time
	err = s.pool.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE email = $1), count(*),
			min(at) FILTER (WHERE email = $1), min(at)
		FROM login_failures WHERE client = $2 AND at > $3`,
		NormalizeEmail(email), client, since).Scan(&forAccount, &forClient, &oa, &oc)
	if err != nil {
		return 0, 0, time.Time{}, time.Time{}, fmt.Errorf("store: count login failures: %w", err)
	}
	if oa != nil {
		oldestAccount = *oa
	}
	if oc != nil {
		oldestClient = *oc
	}
	return forAccount, forClient, oldestAccount, oldestClient, nil
}

// ClearLoginFailures forgets an account's failures from a client after a
// successful login, and prunes failures older than the window.
func (s *Store) ClearLoginFailures(ctx context.Context, email, client string, window time.Duration) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM login_failures WHERE (email = $1 AND client = $2) OR at < $3`,
		NormalizeEmail(email), client, time.Now().Add(-window))
	if err != nil {
		return fmt.Errorf("store: clear login failures: %w", err)
	}
	return nil
}
