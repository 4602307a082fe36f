package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"mamori/internal/apperr"
)

// TOTPState is a user's second factor as sign-in and the account page need it.
type TOTPState struct {
	Secret       string // base32; "" when never set up
	Enabled      bool
	LastStep     int64 // the last accepted 30-second step (replay guard)
	RecoveryLeft int   // unused recovery codes
	OrgRequires  bool  // the user's organisation makes TOTP mandatory
}

// TOTPState returns the user's second-factor state.
func (s *Store) TOTPState(ctx context.Context, userID string) (TOTPState, error) {
	var st TOTPState
	var secret *string
	var last *int64
	err := s.pool.QueryRow(ctx, `
		SELECT u.totp_secret, u.totp_enabled, u.totp_last_step, o.require_totp,
			(SELECT count(*) FROM recovery_codes c WHERE c.user_id = u.id AND c.used_at IS NULL)
		FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.id = $1`, userID).
		Scan(&secret, &st.Enabled, &last, &st.OrgRequires, &st.RecoveryLeft)
	if err != nil {
		if pgCode(err) == codeInvalidText {
			err = pgx.ErrNoRows
		}
		return TOTPState{}, fmt.Errorf("store: totp state %s: %w", userID, notFound(err))
	}
	if secret != nil {
		st.Secret = *secret
	}
	if last != nil {
		st.LastStep = *last
	}
	return st, nil
}

// EnableTOTP turns the second factor on with a confirmed secret, replaces the
// recovery codes with codeHashes, and signs out every other session of the
// user (they were opened with the password alone). step is the time step of
// the code that confirmed the secret, so that code cannot be used again.
func (s *Store) EnableTOTP(ctx context.Context, userID, secret string, step int64, codeHashes [][]byte, keepSession []byte, by Actor) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var orgID string
		err := tx.QueryRow(ctx, `
			UPDATE users SET totp_secret = $2, totp_enabled = true, totp_last_step = $3, updated_at = now()
			WHERE id = $1 AND active RETURNING org_id`, userID, secret, step).Scan(&orgID)
		if err != nil {
			return notFound(err)
		}
		if err := replaceRecoveryCodes(ctx, tx, userID, codeHashes); err != nil {
			return err
		}
		if err := revokeUserSessions(ctx, tx, userID, keepSession); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{ActorID: by.UserID, Actor: by.Email, OrgID: orgID, Action: "user.totp_enabled",
			Detail: map[string]any{"user_id": userID}})
	})
	if err != nil {
		return fmt.Errorf("store: enable totp: %w", err)
	}
	return nil
}

// DisableTOTP turns the second factor off and forgets the secret and the
// recovery codes. It refuses (Conflict) when the organisation requires it.
func (s *Store) DisableTOTP(ctx context.Context, userID string, by Actor) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var orgID string
		var required bool
		err := tx.QueryRow(ctx, `
			SELECT u.org_id, o.require_totp FROM users u JOIN orgs o ON o.id = u.org_id
			WHERE u.id = $1 FOR UPDATE OF u`, userID).Scan(&orgID, &required)
		if err != nil {
			return notFound(err)
		}
		if required {
			return apperr.K(apperr.Conflict, "err.totp_required")
		}
		if _, err := tx.Exec(ctx, `
			UPDATE users SET totp_secret = NULL, totp_enabled = false, totp_last_step = NULL, updated_at = now()
			WHERE id = $1`, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{ActorID: by.UserID, Actor: by.Email, OrgID: orgID, Action: "user.totp_disabled",
			Detail: map[string]any{"user_id": userID}})
	})
	if err != nil {
		return fmt.Errorf("store: disable totp: %w", err)
	}
	return nil
}

// ReplaceRecoveryCodes discards the user's recovery codes and stores new ones.
func (s *Store) ReplaceRecoveryCodes(ctx context.Context, userID string, codeHashes [][]byte, by Actor) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var orgID string
		if err := tx.QueryRow(ctx, `SELECT org_id FROM users WHERE id = $1 AND totp_enabled FOR UPDATE`, userID).Scan(&orgID); err != nil {
			return notFound(err)
		}
		if err := replaceRecoveryCodes(ctx, tx, userID, codeHashes); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{ActorID: by.UserID, Actor: by.Email, OrgID: orgID, Action: "user.recovery_codes_replaced",
			Detail: map[string]any{"user_id": userID, "count": len(codeHashes)}})
	})
	if err != nil {
		return fmt.Errorf("store: replace recovery codes: %w", err)
	}
	return nil
}

func replaceRecoveryCodes(ctx context.Context, tx pgx.Tx, userID string, codeHashes [][]byte) error {
	if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, h FROM unnest($2::bytea[]) AS h`,
		userID, codeHashes); err != nil {
		return err
	}
	return nil
}

// AcceptTOTPStep records that the code of step was used, and reports false
// when that step (or a later one) was used already: a replayed code.
func (s *Store) AcceptTOTPStep(ctx context.Context, userID string, step int64) (bool, error) {
	tag, err := s.pool.Exec(ctx, `
		UPDATE users SET totp_last_step = $2
		WHERE id = $1 AND totp_enabled AND (totp_last_step IS NULL OR totp_last_step < $2)`, userID, step)
	if err != nil {
		return false, fmt.Errorf("store: accept totp step: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// UseRecoveryCode spends one of the user's unused recovery codes. It reports
// false when no unused code has that hash, and the number of codes left.
func (s *Store) UseRecoveryCode(ctx context.Context, userID string, codeHash []byte) (ok bool, left int, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE recovery_codes SET used_at = now()
			WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`, userID, codeHash)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		ok = true
		var orgID, email string
		if err := tx.QueryRow(ctx, `
			SELECT u.org_id, u.email, (SELECT count(*) FROM recovery_codes c WHERE c.user_id = u.id AND c.used_at IS NULL)
			FROM users u WHERE u.id = $1`, userID).Scan(&orgID, &email, &left); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{ActorID: userID, Actor: email, OrgID: orgID, Action: "user.recovery_code_used",
			Detail: map[string]any{"user_id": userID, "left": left}})
	})
	if err != nil {
		return false, 0, fmt.Errorf("store: use recovery code: %w", err)
	}
	return ok, left, nil
}

// SetOrgRequireTOTP changes whether the organisation's members must use a
// second factor. Turning it on signs out the members who have none, so that
// their next sign-in sends them to set it up.
func (s *Store) SetOrgRequireTOTP(ctx context.Context, orgID string, require bool, by Actor) (Org, error) {
	var o Org
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		o, err = scanOrg(tx.QueryRow(ctx, `UPDATE orgs SET require_totp = $2, updated_at = now() WHERE id = $1 RETURNING `+orgColumns, orgID, require))
		if err != nil {
			if pgCode(err) == codeInvalidText {
				err = pgx.ErrNoRows
			}
			return notFound(err)
		}
		signedOut := int64(0)
		if require {
			if signedOut, err = revokeOrgSessionsWithoutTOTP(ctx, tx, orgID); err != nil {
				return err
			}
		}
		return appendAudit(ctx, tx, Audit{ActorID: by.UserID, Actor: by.Email, OrgID: orgID, Action: "org.require_totp",
			Detail: map[string]any{"require_totp": require, "sessions_ended": signedOut}})
	})
	if err != nil {
		return Org{}, fmt.Errorf("store: set org require totp: %w", err)
	}
	return o, nil
}
