package auth

import (
	"context"
	"errors"
	"time"

	"mamori/internal/store"
)

// Sign-in throttling: 10 failures for one account from one address, or 100
// from one address, within the window; and 5 wrong codes for one pending
// sign-in (the password was right) end that sign-in.
const (
	ThrottleWindow     = 15 * time.Minute
	ThrottlePerAccount = 10
	ThrottlePerClient  = 100
	ThrottlePerSignIn  = 5
)

// throttleDB is what the throttle needs of the database.
type throttleDB interface {
	ReserveLoginAttempt(ctx context.Context, email, client, signIn string, window time.Duration, keep func(store.LoginAttempts) bool) (store.LoginAttempts, bool, error)
	ReleaseLoginAttempt(ctx context.Context, id int64) error
	ClearLoginFailures(ctx context.Context, email, client string, window time.Duration) error
}

// Throttle is the one sign-in throttle, for passwords and second-factor
// codes alike: at sign-in and when a signed-in user confirms a change with
// their password or a code.
//
// An attempt is reserved, counted as a failure, before the password or code
// is checked, and released when it turns out right: parallel guesses then
// each take their own place in the count, and none is checked once the limit
// is reached.
type Throttle struct {
	DB throttleDB
}

// ErrSignInEnded is returned by Reserve when the pending sign-in has had its
// ThrottlePerSignIn wrong codes: the user starts again with the password.
var ErrSignInEnded = errors.New("auth: too many wrong codes for this sign-in")

// Attempt is a reserved attempt: a failure unless released.
type Attempt struct {
	db            throttleDB
	id            int64
	email, client string
	// SignInFailures counts the wrong codes of the pending sign-in so far,
	// this attempt included (0 when Reserve was given no sign-in).
	SignInFailures int
}

// Reserve counts an attempt of email from client before anything is
// checked. signIn names the pending sign-in a second-factor code is for ("" for
// a password). When a limit is reached, nothing is reserved and limitedUntil
// says when the caller may try again; when the pending sign-in has had all
// its codes, the error is ErrSignInEnded.
func (t Throttle) Reserve(ctx context.Context, email, client, signIn string) (a Attempt, limitedUntil time.Time, err error) {
	var refusal error
	// The decision is taken inside the reservation, so a refused attempt is
	// never recorded, not even for a moment: a refusal is not a failure, or
	// the limit would never lift while someone keeps trying.
	keep := func(n store.LoginAttempts) bool {
		switch {
		case signIn != "" && n.ForSignIn > ThrottlePerSignIn:
			refusal = ErrSignInEnded
		case n.ForClient > ThrottlePerClient:
			limitedUntil = n.OldestClient.Add(ThrottleWindow)
		case n.ForAccount > ThrottlePerAccount:
			limitedUntil = n.OldestAccount.Add(ThrottleWindow)
		default:
			return true
		}
		return false
	}
	n, kept, err := t.DB.ReserveLoginAttempt(ctx, email, client, signIn, ThrottleWindow, keep)
	if err != nil {
		return Attempt{}, time.Time{}, err
	}
	if !kept {
		return Attempt{}, limitedUntil, refusal
	}
	return Attempt{db: t.DB, id: n.ID, email: email, client: client, SignInFailures: n.ForSignIn}, time.Time{}, nil
}

// Release forgets the attempt: the password or code was right, or it was
// not checked after all.
func (a Attempt) Release(ctx context.Context) error {
	if a.db == nil {
		return nil
	}
	ctx, cancel := detached(ctx)
	defer cancel()
	return a.db.ReleaseLoginAttempt(ctx, a.id)
}

// SignedIn forgets every failure of the account from the client, this
// attempt's too: the sign-in is complete.
func (a Attempt) SignedIn(ctx context.Context) error {
	if a.db == nil {
		return nil
	}
	ctx, cancel := detached(ctx)
	defer cancel()
	return a.db.ClearLoginFailures(ctx, a.email, a.client, ThrottleWindow)
}

// detached outlives the request: a caller who hangs up right after a right
// password must not leave a failure counted.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
}
