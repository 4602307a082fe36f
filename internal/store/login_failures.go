package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// LoginAttempts is what the sign-in throttle learns when it reserves an
// attempt: the attempts within the window, the reserved one included.
type LoginAttempts struct {
	ID            int64 // the reserved row
	ForAccount    int   // of this account from this client
	ForClient     int   // from this client, any account
	ForSignIn     int   // of this pending sign-in (0 when none was named)
	OldestAccount time.Time
	OldestClient  time.Time
}

// ReserveLoginAttempt records an attempt of email from client before its
// password or code is checked, and counts the attempts within the window,
// this one included. signIn, when not "", names the pending sign-in a
// second-factor code belongs to. keep decides on the counts whether the
// attempt may go ahead: when it says no, the attempt is not recorded (a
// refusal is no failure) and kept is false.
//
// One statement cannot do it: its snapshot does not see the rows that
// parallel statements insert, so fifty of them would each count one. A
// transaction-scoped lock on the client makes the reservations of one client
// take turns; each then counts every reservation committed before it. The
// counts are all of this client, so the one lock covers them.
func (s *Store) ReserveLoginAttempt(ctx context.Context, email, client, signIn string, window time.Duration, keep func(LoginAttempts) bool) (a LoginAttempts, kept bool, err error) {
	var sign *string
	if signIn != "" {
		sign = &signIn
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('login_failures:' || $1, 0))`, client); err != nil {
			return err
		}
		var oa, oc *time.Time
		err := tx.QueryRow(ctx, `
			WITH reserved AS (
				INSERT INTO login_failures (email, client, sign_in) VALUES ($1, $2, $3) RETURNING id, at
			), earlier AS (
				SELECT count(*) FILTER (WHERE email = $1) AS account, count(*) AS client,
					count(*) FILTER (WHERE sign_in = $3) AS sign_in,
					min(at) FILTER (WHERE email = $1) AS oldest_account, min(at) AS oldest_client
				FROM login_failures WHERE client = $2 AND at > $4
			)
			SELECT r.id, e.account + 1, e.client + 1, CASE WHEN $3::text IS NULL THEN 0 ELSE e.sign_in + 1 END,
				coalesce(e.oldest_account, r.at), coalesce(e.oldest_client, r.at)
			FROM reserved r, earlier e`,
			NormalizeEmail(email), client, sign, time.Now().Add(-window)).
			Scan(&a.ID, &a.ForAccount, &a.ForClient, &a.ForSignIn, &oa, &oc)
		if err != nil {
			return err
		}
		a.OldestAccount, a.OldestClient = *oa, *oc
		if !keep(a) {
			return errRefused // rolled back
		}
		kept = true
		return nil
	})
	switch {
	case errors.Is(err, errRefused):
		a.ID = 0
		return a, false, nil
	case err != nil:
		return LoginAttempts{}, false, fmt.Errorf("store: reserve login attempt: %w", err)
	}
	return a, true, nil
}

var errRefused = errors.New("store: login attempt refused")

// ReleaseLoginAttempt forgets a reserved attempt that turned out not to be a
// failure: the password or code was right, or it was never checked.
func (s *Store) ReleaseLoginAttempt(ctx context.Context, id int64) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM login_failures WHERE id = $1`, id); err != nil {
		return fmt.Errorf("store: release login attempt: %w", err)
	}
	return nil
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
