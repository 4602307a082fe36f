-- Organisations, users, auditor assignments, sessions, API tokens and the
-- login-failure log used for throttling.

CREATE TABLE orgs (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    parent_id   uuid REFERENCES orgs (id) ON DELETE RESTRICT CHECK (parent_id <> id),
    industry    text NOT NULL DEFAULT 'other',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orgs_parent_idx ON orgs (parent_id);

CREATE TABLE users (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email                text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    display_name         text NOT NULL CHECK (length(btrim(display_name)) BETWEEN 1 AND 100),
    password_hash        text NOT NULL,
    role                 text NOT NULL CHECK (role IN ('officer', 'auditor', 'manager')),
    org_id               uuid NOT NULL REFERENCES orgs (id) ON DELETE RESTRICT,
    is_admin             boolean NOT NULL DEFAULT false,
    active               boolean NOT NULL DEFAULT true,
    locale               text NOT NULL DEFAULT '' CHECK (locale IN ('', 'ja', 'en')),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_org_idx ON users (org_id);

CREATE TABLE auditor_assignments (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id     uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, org_id)
);
CREATE INDEX auditor_assignments_org_idx ON auditor_assignments (org_id);

-- Server-side sessions. The cookie carries a random id; only its SHA-256 is
-- stored, so a database read does not hand out live sessions.
CREATE TABLE sessions (
    id_hash      bytea PRIMARY KEY,
    user_id      uuid REFERENCES users (id) ON DELETE CASCADE,
    data         jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label        text NOT NULL DEFAULT '' CHECK (length(label) <= 100),
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE login_failures (
    id     bigserial PRIMARY KEY,
    email  text NOT NULL,
    client text NOT NULL,
    at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_client_idx ON login_failures (client, at);
CREATE INDEX login_failures_email_idx ON login_failures (lower(email), client, at);
