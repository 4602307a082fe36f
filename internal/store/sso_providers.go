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
)

// SSOProvider is an OpenID Connect identity provider of an organisation.
// SecretSealed is the client secret sealed with MAMORI_SECRET_KEY
// (internal/secretbox); the store never sees it in clear.
type SSOProvider struct {
	ID           string
	OrgID        string
	OrgName      string
	Name         string // the label of the "Sign in with …" button
	Issuer       string
	ClientID     string
	SecretSealed []byte
	Domains      []string
	DefaultRole  assessment.Role
	GroupsClaim  string
	GroupRoles   map[string]assessment.Role
	// VerifiedClaim names the claim that must be true: email_verified, or
	// xms_edov for Entra ID.
	VerifiedClaim string
	JIT           bool // a first sign-in creates the account
	ShowButton    bool // a "Sign in with …" button on the login page
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

const ssoColumns = `p.id, p.org_id, o.name, p.name, p.issuer, p.client_id, p.client_secret,
	ARRAY(SELECT d.domain FROM sso_domains d WHERE d.provider_id = p.id ORDER BY d.domain)::text[],
	p.default_role, p.groups_claim, p.group_roles, p.verified_claim, p.jit, p.show_button, p.created_at, p.updated_at`

const ssoFrom = ` FROM sso_providers p JOIN orgs o ON o.id = p.org_id`

func scanSSOProvider(row pgx.Row) (SSOProvider, error) {
	var p SSOProvider
	err := row.Scan(&p.ID, &p.OrgID, &p.OrgName, &p.Name, &p.Issuer, &p.ClientID, &p.SecretSealed, &p.Domains,
		&p.DefaultRole, &p.GroupsClaim, &p.GroupRoles, &p.VerifiedClaim, &p.JIT, &p.ShowButton, &p.CreatedAt, &p.UpdatedAt)
	if p.GroupRoles == nil {
		p.GroupRoles = map[string]assessment.Role{}
	}
	return p, err
}

// auditDetail is what the audit trail records of a provider: never the
// secret, sealed or not.
func (p SSOProvider) auditDetail() map[string]any {
	return map[string]any{"provider_id": p.ID, "name": p.Name, "issuer": p.Issuer, "client_id": p.ClientID, "domains": p.Domains,
		"default_role": p.DefaultRole, "groups_claim": p.GroupsClaim, "group_roles": p.GroupRoles, "verified_claim": p.VerifiedClaim, "jit": p.JIT, "show_button": p.ShowButton}
}

func ssoErr(err error) error {
	switch pgCode(err) {
	case codeUniqueViolation:
		return apperr.InvalidFieldsK("sso.domain_taken", map[string]string{"domains": "taken"})
	case codeForeignKeyViolation, codeInvalidText:
		return apperr.InvalidFieldsK("err.org_unknown", map[string]string{"org_id": "unknown"})
	case codeCheckViolation:
		return apperr.InvalidFieldsK("sso.provider_invalid", map[string]string{"provider": "invalid"})
	}
	return err
}

// CreateSSOProvider inserts a provider with its domains; a domain that
// another provider signs in already answers Invalid (422).
func (s *Store) CreateSSOProvider(ctx context.Context, p SSOProvider, by Actor) (SSOProvider, error) {
	var out SSOProvider
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var id string
		err := tx.QueryRow(ctx, `
			INSERT INTO sso_providers (org_id, name, issuer, client_id, client_secret, default_role, groups_claim, group_roles, jit, show_button, verified_claim)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			p.OrgID, strings.TrimSpace(p.Name), p.Issuer, p.ClientID, p.SecretSealed, p.DefaultRole, p.GroupsClaim, groupRoles(p.GroupRoles), p.JIT, p.ShowButton,
			verifiedClaim(p.VerifiedClaim)).Scan(&id)
		if err != nil {
			return ssoErr(err)
		}
		if err := setSSODomains(ctx, tx, id, p.OrgID, p.Domains); err != nil {
			return err
		}
		if out, err = scanSSOProvider(tx.QueryRow(ctx, `SELECT `+ssoColumns+ssoFrom+` WHERE p.id = $1`, id)); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{ActorID: by.UserID, Actor: by.Email, OrgID: out.OrgID, Action: "sso.provider_added", Detail: out.auditDetail()})
	})
	if err != nil {
		return SSOProvider{}, fmt.Errorf("store: create sso provider: %w", err)
	}
	return out, nil
}

// verifiedClaim defaults to the standard claim.
func verifiedClaim(c string) string {
	if c = strings.TrimSpace(c); c == "" {
		return "email_verified"
	}
	return c
}

func groupRoles(m map[string]assessment.Role) map[string]assessment.Role {
	if m == nil {
		return map[string]assessment.Role{}
	}
	return m
}

func setSSODomains(ctx context.Context, tx pgx.Tx, providerID, orgID string, domains []string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM sso_domains WHERE provider_id = $1`, providerID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO sso_domains (domain, provider_id, org_id) SELECT unnest($1::text[]), $2, $3`, domains, providerID, orgID); err != nil {
		return ssoErr(err)
	}
	return nil
}

// UpdateSSOProvider changes a provider; a nil SecretSealed keeps the
// stored secret. The organisation does not change.
func (s *Store) UpdateSSOProvider(ctx context.Context, id string, p SSOProvider, by Actor) (SSOProvider, error) {
	var out SSOProvider
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		before, err := scanSSOProvider(tx.QueryRow(ctx, `SELECT `+ssoColumns+ssoFrom+` WHERE p.id = $1 FOR UPDATE OF p`, id))
		if err != nil {
			return notFound(invalidAsNoRows(err))
		}
		_, err = tx.Exec(ctx, `
			UPDATE sso_providers SET name = $2, issuer = $3, client_id = $4, client_secret = coalesce($5, client_secret),
				default_role = $6, groups_claim = $7, group_roles = $8, jit = $9, show_button = $10, verified_claim = $11, updated_at = now()
			WHERE id = $1`,
			id, strings.TrimSpace(p.Name), p.Issuer, p.ClientID, p.SecretSealed, p.DefaultRole, p.GroupsClaim, groupRoles(p.GroupRoles), p.JIT, p.ShowButton,
			verifiedClaim(p.VerifiedClaim))
		if err != nil {
			return ssoErr(err)
		}
		if err := setSSODomains(ctx, tx, id, before.OrgID, p.Domains); err != nil {
			return err
		}
		if out, err = scanSSOProvider(tx.QueryRow(ctx, `SELECT `+ssoColumns+ssoFrom+` WHERE p.id = $1`, id)); err != nil {
			return err
		}
		detail := out.auditDetail()
		detail["old"] = before.auditDetail()
		detail["secret_changed"] = p.SecretSealed != nil
		return appendAudit(ctx, tx, Audit{ActorID: by.UserID, Actor: by.Email, OrgID: out.OrgID, Action: "sso.provider_changed", Detail: detail})
	})
	if err != nil {
		return SSOProvider{}, fmt.Errorf("store: update sso provider %s: %w", id, err)
	}
	return out, nil
}

// DeleteSSOProvider removes a provider and its domains.
func (s *Store) DeleteSSOProvider(ctx context.Context, id string, by Actor) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		p, err := scanSSOProvider(tx.QueryRow(ctx, `SELECT `+ssoColumns+ssoFrom+` WHERE p.id = $1 FOR UPDATE OF p`, id))
		if err != nil {
			return notFound(invalidAsNoRows(err))
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sso_providers WHERE id = $1`, id); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{ActorID: by.UserID, Actor: by.Email, OrgID: p.OrgID, Action: "sso.provider_removed", Detail: p.auditDetail()})
	})
	if err != nil {
		return fmt.Errorf("store: delete sso provider %s: %w", id, err)
	}
	return nil
}

func invalidAsNoRows(err error) error {
	if pgCode(err) == codeInvalidText {
		return pgx.ErrNoRows
	}
	return err
}

// GetSSOProvider returns a provider by id.
func (s *Store) GetSSOProvider(ctx context.Context, id string) (SSOProvider, error) {
	p, err := scanSSOProvider(s.pool.QueryRow(ctx, `SELECT `+ssoColumns+ssoFrom+` WHERE p.id = $1`, id))
	if err != nil {
		return SSOProvider{}, fmt.Errorf("store: get sso provider %s: %w", id, notFound(invalidAsNoRows(err)))
	}
	return p, nil
}

// SSOProviderForDomain returns the provider that signs in an email domain.
func (s *Store) SSOProviderForDomain(ctx context.Context, domain string) (SSOProvider, error) {
	p, err := scanSSOProvider(s.pool.QueryRow(ctx, `SELECT `+ssoColumns+ssoFrom+` JOIN sso_domains sd ON sd.provider_id = p.id WHERE sd.domain = $1`, strings.ToLower(domain)))
	if err != nil {
		return SSOProvider{}, fmt.Errorf("store: sso provider for domain: %w", notFound(err))
	}
	return p, nil
}

// ListSSOProviders returns every provider, by organisation then name.
func (s *Store) ListSSOProviders(ctx context.Context) ([]SSOProvider, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+ssoColumns+ssoFrom+` ORDER BY o.name, p.name, p.id`)
	if err != nil {
		return nil, fmt.Errorf("store: list sso providers: %w", err)
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SSOProvider, error) { return scanSSOProvider(r) })
	if err != nil {
		return nil, fmt.Errorf("store: list sso providers: %w", err)
	}
	return ps, nil
}

// PasswordLogin reports whether the organisation's members may sign in
// with a password (platform admins always may: break-glass).
func (s *Store) PasswordLogin(ctx context.Context, orgID string) (bool, error) {
	var on bool
	if err := s.pool.QueryRow(ctx, `SELECT password_login FROM orgs WHERE id = $1`, orgID).Scan(&on); err != nil {
		return false, fmt.Errorf("store: password login of %s: %w", orgID, notFound(invalidAsNoRows(err)))
	}
	return on, nil
}

// SetPasswordLogin switches password sign-in on or off for an organisation.
// Sessions already signed in run to their timeouts.
func (s *Store) SetPasswordLogin(ctx context.Context, orgID string, on bool, by Actor) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var was bool
		if err := tx.QueryRow(ctx, `SELECT password_login FROM orgs WHERE id = $1 FOR UPDATE`, orgID).Scan(&was); err != nil {
			return notFound(invalidAsNoRows(err))
		}
		if was == on {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE orgs SET password_login = $2 WHERE id = $1`, orgID, on); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{ActorID: by.UserID, Actor: by.Email, OrgID: orgID, Action: "sso.password_login_changed",
			Detail: map[string]any{"password_login": on}})
	})
	if err != nil {
		return fmt.Errorf("store: set password login of %s: %w", orgID, err)
	}
	return nil
}

// SSOIdentity is what a verified ID token says of the user, with the role
// its claims map to (sso.RoleFor).
type SSOIdentity struct {
	Email   string
	Name    string
	Subject string
	Role    assessment.Role
}

// SSOSignIn is the outcome of SignInSSO.
type SSOSignIn struct {
	User        User
	Created     bool
	RoleChanged bool
}

// SignInSSO finds or creates the account of a verified identity of
// provider p. An account of another organisation, a deactivated one, or a
// missing one when the provider may not create accounts answers Forbidden
// with the reason's catalog key, and nothing changes. Otherwise the name and
// the role follow the claims; a role change revokes the user's sessions
// (the sign-in's own session is created after). Everything is audited in
// the same transaction.
func (s *Store) SignInSSO(ctx context.Context, p SSOProvider, id SSOIdentity) (SSOSignIn, error) {
	var out SSOSignIn
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		u, err := scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE lower(email) = $1 FOR UPDATE`, NormalizeEmail(id.Email)))
		detail := map[string]any{"provider_id": p.ID, "issuer": p.Issuer, "subject": id.Subject}
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			if !p.JIT {
				return apperr.K(apperr.Forbidden, "sso.no_account")
			}
			name := strings.TrimSpace(id.Name)
			if name == "" {
				name = NormalizeEmail(id.Email)
			}
			// No password: the account signs in through its provider only
			// (an empty hash never verifies).
			u, err = scanUser(tx.QueryRow(ctx, `
				INSERT INTO users (email, display_name, password_hash, role, org_id, is_admin)
				VALUES ($1, $2, '', $3, $4, false) RETURNING `+userColumns,
				NormalizeEmail(id.Email), truncate(name, 200), id.Role, p.OrgID))
			if err != nil {
				return userErr(err)
			}
			out = SSOSignIn{User: u, Created: true}
			detail["user_id"], detail["role"] = u.ID, u.Role
			if err := appendAudit(ctx, tx, Audit{ActorID: u.ID, Actor: u.Email, OrgID: u.OrgID, Action: "sso.account_created", Detail: detail}); err != nil {
				return err
			}
		case err != nil:
			return err
		case u.OrgID != p.OrgID:
			return apperr.K(apperr.Forbidden, "sso.other_org")
		case !u.Active:
			return apperr.K(apperr.Forbidden, "sso.deactivated")
		case u.Admin:
			// Platform admins sign in with their password and second factor
			// only: a company's directory must not open the installation.
			return apperr.K(apperr.Forbidden, "sso.admin_password_only")
		default:
			name := truncate(strings.TrimSpace(id.Name), 200)
			if name == "" {
				name = u.Name
			}
			before := u
			u, err = scanUser(tx.QueryRow(ctx, `UPDATE users SET display_name = $2, role = $3, updated_at = now() WHERE id = $1 RETURNING `+userColumns,
				u.ID, name, id.Role))
			if err != nil {
				return userErr(err)
			}
			out = SSOSignIn{User: u, RoleChanged: before.Role != u.Role}
			if out.RoleChanged {
				if err := revokeUserSessions(ctx, tx, u.ID, nil); err != nil {
					return err
				}
				if err := appendAudit(ctx, tx, Audit{ActorID: u.ID, Actor: u.Email, OrgID: u.OrgID, Action: "sso.role_changed",
					Detail: map[string]any{"provider_id": p.ID, "user_id": u.ID, "old": before.Role, "new": u.Role}}); err != nil {
					return err
				}
			}
		}
		detail["user_id"] = u.ID
		return appendAudit(ctx, tx, Audit{ActorID: u.ID, Actor: u.Email, OrgID: u.OrgID, Action: "sso.signed_in", Detail: detail})
	})
	if err != nil {
		return SSOSignIn{}, fmt.Errorf("store: sso sign-in: %w", err)
	}
	return out, nil
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}
