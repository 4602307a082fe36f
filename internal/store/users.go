package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/policy"
)

// User is an account. Role applies in OrgID; Admin is the platform flag.
type User struct {
	ID           string
	Email        string
	Name         string
	Role         assessment.Role
	OrgID        string
	Admin        bool
	Active       bool
	Locale       string
	CreatedAt    time.Time
	PasswordHash string
}

const userColumns = `id, email, display_name, role, org_id, is_admin, active, locale, created_at, password_hash`

func scanUser(row pgx.Row) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.OrgID, &u.Admin, &u.Active, &u.Locale, &u.CreatedAt, &u.PasswordHash)
	return u, err
}

// NewUser is what creating a user takes. Actor is who creates it (the zero
// Actor records the system), for the audit trail.
type NewUser struct {
	Email, Name, PasswordHash string
	Role                      assessment.Role
	OrgID                     string
	Admin                     bool
	Actor                     Actor
	// MustChangePassword: the password was generated for the user, who
	// must choose their own at first sign-in.
	MustChangePassword bool
}

// NormalizeEmail trims and lower-cases an email address.
func NormalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// CreateUser inserts a user and records it in the audit trail; a taken email
// answers Conflict.
func (s *Store) CreateUser(ctx context.Context, nu NewUser) (User, error) {
	// An address or name with a line break could split an email header.
	if strings.ContainsAny(nu.Email, "\r\n<>\"") || strings.ContainsAny(nu.Name, "\r\n") {
		return User{}, fmt.Errorf("store: create user: %w", apperr.InvalidFieldsK("err.user_invalid", map[string]string{"user": "line_break"}))
	}
	var u User
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRow(ctx, `
			INSERT INTO users (email, display_name, password_hash, role, org_id, is_admin, must_change_password)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+userColumns,
			NormalizeEmail(nu.Email), strings.TrimSpace(nu.Name), nu.PasswordHash, nu.Role, nu.OrgID, nu.Admin, nu.MustChangePassword))
		if err != nil {
			return userErr(err)
		}
		return appendAudit(ctx, tx, Audit{ActorID: nu.Actor.UserID, Actor: nu.Actor.Email, OrgID: u.OrgID, Action: "user.created",
			Detail: map[string]any{"user_id": u.ID, "email": u.Email, "role": u.Role, "admin": u.Admin}})
	})
	if err != nil {
		return User{}, fmt.Errorf("store: create user %s: %w", nu.Email, err)
	}
	return u, nil
}

func userErr(err error) error {
	switch pgCode(err) {
	case codeUniqueViolation:
		return apperr.K(apperr.Conflict, "err.email_taken")
	case codeForeignKeyViolation, codeInvalidText:
		return apperr.InvalidFieldsK("err.org_unknown", map[string]string{"org_id": "unknown"})
	case codeCheckViolation:
		return apperr.InvalidFieldsK("err.user_invalid", map[string]string{"user": "invalid"})
	}
	return err
}

// GetUser returns a user by id.
func (s *Store) GetUser(ctx context.Context, id string) (User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if err != nil {
		if pgCode(err) == codeInvalidText {
			err = pgx.ErrNoRows
		}
		return User{}, fmt.Errorf("store: get user %s: %w", id, notFound(err))
	}
	return u, nil
}

// UserByEmail returns a user by email, case-insensitively.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE lower(email) = $1`, NormalizeEmail(email)))
	if err != nil {
		return User{}, fmt.Errorf("store: user by email: %w", notFound(err))
	}
	return u, nil
}

// ListUsers returns every user, by organisation then email.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+prefixed("u.", userColumns)+` FROM users u JOIN orgs o ON o.id = u.org_id
		ORDER BY o.name, u.email`)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	us, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (User, error) { return scanUser(r) })
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return us, nil
}

// ListedUser is a user of the administrator's list, with the name of
// their organisation.
type ListedUser struct {
	User
	OrgName string
}

// UserFilter narrows the administrator's list of users: Q is part of an
// email, name or organisation's name (case-insensitively), OrgID one
// organisation's users; "" for any.
type UserFilter struct{ Q, OrgID string }

// UserPage returns, by email, the limit users after the first offset that
// the filter keeps, and whether more follow. Without a search it reads the
// index on the email; one organisation's users, the index on org_id.
func (s *Store) UserPage(ctx context.Context, f UserFilter, offset, limit int) ([]ListedUser, bool, error) {
	where, args := []string{"true"}, []any{limit + 1, offset}
	if q := strings.TrimSpace(f.Q); q != "" {
		args = append(args, "%"+strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q)+"%")
		n := fmt.Sprintf("$%d", len(args))
		where = append(where, "(u.email ILIKE "+n+" OR u.display_name ILIKE "+n+" OR o.name ILIKE "+n+")")
	}
	if f.OrgID != "" {
		args = append(args, uuidArg(f.OrgID))
		where = append(where, fmt.Sprintf("u.org_id = $%d", len(args)))
	}
	rows, err := s.pool.Query(ctx, `SELECT `+prefixed("u.", userColumns)+`, o.name FROM users u JOIN orgs o ON o.id = u.org_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY lower(u.email) LIMIT $1 OFFSET $2`, args...)
	if err != nil {
		return nil, false, fmt.Errorf("store: user page: %w", err)
	}
	us, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ListedUser, error) {
		var u ListedUser
		err := r.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.OrgID, &u.Admin, &u.Active, &u.Locale, &u.CreatedAt, &u.PasswordHash, &u.OrgName)
		return u, err
	})
	if err != nil {
		return nil, false, fmt.Errorf("store: user page: %w", err)
	}
	if len(us) > limit {
		return us[:limit], true, nil
	}
	return us, false, nil
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}

// UserUpdate is an admin's change to a user; Actor is the admin, for the
// audit trail.
type UserUpdate struct {
	Name   string
	Role   assessment.Role
	OrgID  string
	Admin  bool
	Active bool
	Actor  Actor
}

// UpdateUser applies an admin's change. When the role, organisation, admin
// flag or active flag changed, the user's sessions are revoked so that the new
// privileges take effect at once (and a deactivated user is out at once).
func (s *Store) UpdateUser(ctx context.Context, id string, up UserUpdate) (before, after User, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		before, err = scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return notFound(err)
		}
		after, err = scanUser(tx.QueryRow(ctx, `
			UPDATE users SET display_name = $2, role = $3, org_id = $4, is_admin = $5, active = $6, updated_at = now()
			WHERE id = $1 RETURNING `+userColumns, id, strings.TrimSpace(up.Name), up.Role, up.OrgID, up.Admin, up.Active))
		if err != nil {
			return userErr(err)
		}
		if before.Role != after.Role || before.OrgID != after.OrgID || before.Admin != after.Admin || before.Active != after.Active {
			if err := revokeUserSessions(ctx, tx, id, nil); err != nil {
				return err
			}
		}
		return appendAudit(ctx, tx, Audit{ActorID: up.Actor.UserID, Actor: up.Actor.Email, OrgID: after.OrgID, Action: "user.updated",
			Detail: map[string]any{"user_id": id,
				"old": map[string]any{"name": before.Name, "role": before.Role, "org_id": before.OrgID, "admin": before.Admin, "active": before.Active},
				"new": map[string]any{"name": after.Name, "role": after.Role, "org_id": after.OrgID, "admin": after.Admin, "active": after.Active}}})
	})
	if err != nil {
		return User{}, User{}, fmt.Errorf("store: update user %s: %w", id, err)
	}
	return before, after, nil
}

// SetPassword stores a new password hash and revokes every session of the
// user except keepSession (the hash of the session that made the change, or
// nil to revoke all). The audit trail records "user.password_changed" when
// the user changed their own password and "user.password_reset" otherwise.
//
// mustChange makes the user choose their own password at the next sign-in
// (an administrator handed them a generated one); a user changing their own
// password clears it.
func (s *Store) SetPassword(ctx context.Context, userID, hash string, keepSession []byte, by Actor, mustChange bool) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var orgID string
		err := tx.QueryRow(ctx, `UPDATE users SET password_hash = $2, must_change_password = $3, updated_at = now() WHERE id = $1 RETURNING org_id`,
			userID, hash, mustChange && by.UserID != userID).Scan(&orgID)
		if err != nil {
			if pgCode(err) == codeInvalidText {
				err = pgx.ErrNoRows
			}
			return notFound(err)
		}
		if err := revokeUserSessions(ctx, tx, userID, keepSession); err != nil {
			return err
		}
		action := "user.password_reset"
		if by.UserID == userID {
			action = "user.password_changed"
		}
		return appendAudit(ctx, tx, Audit{ActorID: by.UserID, Actor: by.Email, OrgID: orgID, Action: action,
			Detail: map[string]any{"user_id": userID}})
	})
	if err != nil {
		return fmt.Errorf("store: set password: %w", err)
	}
	return nil
}

// SetLocale stores the user's language choice ("" follows the browser).
func (s *Store) SetLocale(ctx context.Context, userID, locale string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE users SET locale = $2 WHERE id = $1`, userID, locale); err != nil {
		return fmt.Errorf("store: set locale: %w", err)
	}
	return nil
}

// displayName returns a user's display name, "" when there is no such user:
// the name to show beside a change whose caller did not know it.
func (s *Store) displayName(ctx context.Context, userID string) (string, error) {
	var name string
	err := s.pool.QueryRow(ctx, `SELECT display_name FROM users WHERE id = $1`, userID).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) || pgCode(err) == codeInvalidText {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("display name of %s: %w", userID, err)
	}
	return name, nil
}

// principalSQL selects the user whose id is %[1]s (an expression: a
// parameter, or a column of an outer query), when active, with the version
// of who sees what (visibility.go): the organisations the principal may see
// come from the cache, or from visibleSQL when that version has not been
// seen yet.
const principalSQL = `
	SELECT u.id, u.email, u.display_name, u.role, u.org_id, u.is_admin, u.locale, u.must_change_password,
		(SELECT version FROM visibility)
	FROM users u WHERE u.id = %[1]s AND u.active`

// principalColumns scans the columns of principalSQL (nullable, as a LEFT
// JOIN leaves them).
type principalColumns struct {
	id, email, name, role, orgID, locale *string
	admin, mustChange                    *bool
	version                              *int64
}

func (c *principalColumns) dest() []any {
	return []any{&c.id, &c.email, &c.name, &c.role, &c.orgID, &c.admin, &c.locale, &c.mustChange, &c.version}
}

// principal turns the columns into a principal with the organisations it
// may see, nil when there is no such user.
func (s *Store) principal(ctx context.Context, c principalColumns) (*policy.Principal, error) {
	if c.id == nil {
		return nil, nil
	}
	p := &policy.Principal{UserID: *c.id, Email: *c.email, Name: *c.name, Role: assessment.Role(*c.role), OrgID: *c.orgID,
		Admin: *c.admin, Locale: *c.locale, MustChangePassword: *c.mustChange}
	s.review.sawVisibility(*c.version)
	v, err := s.visibleOrgs(ctx, p, *c.version)
	if err != nil {
		return nil, err
	}
	p.Visible = v
	return p, nil
}

// Principal returns an active user as a policy principal: who they are and
// every organisation they may see. A deactivated user is NotFound.
func (s *Store) Principal(ctx context.Context, userID string) (*policy.Principal, error) {
	var c principalColumns
	err := s.pool.QueryRow(ctx, fmt.Sprintf(principalSQL, "$1"), userID).Scan(c.dest()...)
	if err != nil {
		if pgCode(err) == codeInvalidText {
			err = pgx.ErrNoRows
		}
		return nil, fmt.Errorf("store: principal %s: %w", userID, notFound(err))
	}
	p, err := s.principal(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("store: principal %s: %w", userID, err)
	}
	return p, nil
}

// OrgMembers lists the active users of an organisation by name: the people
// an action of the organisation can be given to.
func (s *Store) OrgMembers(ctx context.Context, orgID string) ([]User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+prefixed("u.", userColumns)+` FROM users u
		WHERE u.org_id = $1 AND u.active ORDER BY u.display_name, u.email`, uuidArg(orgID))
	if err != nil {
		return nil, fmt.Errorf("store: org members: %w", err)
	}
	us, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (User, error) { return scanUser(r) })
	if err != nil {
		return nil, fmt.Errorf("store: org members: %w", err)
	}
	return us, nil
}

// UserNames returns the display names of the users among ids that exist.
func (s *Store) UserNames(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT id::text, display_name FROM users WHERE id = ANY($1::uuid[])`, uuidArray(ids))
	if err != nil {
		return nil, fmt.Errorf("store: user names: %w", err)
	}
	var id, name string
	if _, err := pgx.ForEachRow(rows, []any{&id, &name}, func() error { out[id] = name; return nil }); err != nil {
		return nil, fmt.Errorf("store: user names: %w", err)
	}
	return out, nil
}

// CreateUsers creates every user in one transaction, each with its audit
// entry, or none: a taken email answers Conflict with the index of the
// first such user as the Detail ({"index": i}).
func (s *Store) CreateUsers(ctx context.Context, nus []NewUser) ([]User, error) {
	out := make([]User, 0, len(nus))
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		for i, nu := range nus {
			u, err := scanUser(tx.QueryRow(ctx, `
				INSERT INTO users (email, display_name, password_hash, role, org_id, is_admin, must_change_password)
				VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+userColumns,
				NormalizeEmail(nu.Email), strings.TrimSpace(nu.Name), nu.PasswordHash, nu.Role, nu.OrgID, nu.Admin, nu.MustChangePassword))
			if err != nil {
				e := userErr(err)
				if ae, ok := apperr.As(e); ok {
					c := *ae
					c.Detail = map[string]any{"index": i}
					return &c
				}
				return e
			}
			if err := appendAudit(ctx, tx, Audit{ActorID: nu.Actor.UserID, Actor: nu.Actor.Email, OrgID: u.OrgID, Action: "user.created",
				Detail: map[string]any{"user_id": u.ID, "email": u.Email, "role": u.Role, "admin": u.Admin, "import": true}}); err != nil {
				return err
			}
			out = append(out, u)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: create %d users: %w", len(nus), err)
	}
	return out, nil
}
