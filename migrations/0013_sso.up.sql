-- Single sign-on with OpenID Connect. A provider belongs to one
-- organisation and signs in the email domains listed for it; a domain
-- belongs to at most one provider. The client secret is sealed with
-- MAMORI_SECRET_KEY (AES-256-GCM) before it reaches the database.
CREATE TABLE sso_providers (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id         uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    issuer         text NOT NULL CHECK (length(issuer) BETWEEN 1 AND 500),
    client_id      text NOT NULL CHECK (length(client_id) BETWEEN 1 AND 500),
    client_secret  bytea NOT NULL,
    default_role   text NOT NULL CHECK (default_role IN ('officer', 'auditor', 'manager')),
    groups_claim   text NOT NULL DEFAULT '' CHECK (length(groups_claim) <= 100),
    group_roles    jsonb NOT NULL DEFAULT '{}',
    -- The claim that says the email is verified: email_verified by the
    -- standard; Entra ID sends xms_edov (email domain owner verified).
    verified_claim text NOT NULL DEFAULT 'email_verified' CHECK (length(verified_claim) BETWEEN 1 AND 100),
    jit            boolean NOT NULL DEFAULT false,
    show_button    boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sso_providers_org_idx ON sso_providers (org_id, name);

CREATE TABLE sso_domains (
    domain       text PRIMARY KEY CHECK (domain = lower(domain)),
    provider_id  uuid NOT NULL REFERENCES sso_providers (id) ON DELETE CASCADE,
    org_id       uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE
);
CREATE INDEX sso_domains_org_idx ON sso_domains (org_id, provider_id);
CREATE INDEX sso_domains_provider_idx ON sso_domains (provider_id);

-- Password sign-in can be switched off per organisation once SSO works;
-- platform admins keep password and second factor (break-glass).
ALTER TABLE orgs ADD COLUMN password_login boolean NOT NULL DEFAULT true;
