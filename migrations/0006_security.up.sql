-- Second factor: TOTP (RFC 6238) per user with single-use recovery codes, and
-- an organisation setting that makes it mandatory for its members.
--
-- The TOTP secret is stored as issued (base32), not encrypted: whoever reads
-- this column can generate codes, but still needs the user's password. It is
-- never logged and never leaves the server after setup (docs/security.md).

ALTER TABLE users
    ADD COLUMN totp_secret    text,
    ADD COLUMN totp_enabled   boolean NOT NULL DEFAULT false,
    -- The last 30-second time step whose code was accepted: a code is good
    -- once, so one seen over a shoulder or in a proxy log cannot be replayed.
    ADD COLUMN totp_last_step bigint,
    ADD CONSTRAINT users_totp_secret_chk CHECK (NOT totp_enabled OR totp_secret IS NOT NULL);

ALTER TABLE orgs
    ADD COLUMN require_totp boolean NOT NULL DEFAULT false;

-- Recovery codes: only their SHA-256 is stored. A code is used once.
CREATE TABLE recovery_codes (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    used_at    timestamptz,
    PRIMARY KEY (user_id, code_hash)
);
