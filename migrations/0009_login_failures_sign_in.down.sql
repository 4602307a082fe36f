DROP INDEX IF EXISTS login_failures_sign_in_idx;
ALTER TABLE login_failures DROP COLUMN IF EXISTS sign_in;
