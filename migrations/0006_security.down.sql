DROP TABLE recovery_codes;
ALTER TABLE orgs DROP COLUMN require_totp;
ALTER TABLE users
    DROP CONSTRAINT users_totp_secret_chk,
    DROP COLUMN totp_last_step,
    DROP COLUMN totp_enabled,
    DROP COLUMN totp_secret;
