-- A wrong second-factor code is counted against the pending sign-in it was
-- sent for, in the database, so that parallel requests of one sign-in cannot
-- each see an old count: five wrong codes end that sign-in.
ALTER TABLE login_failures ADD COLUMN sign_in text;
CREATE INDEX login_failures_sign_in_idx ON login_failures (sign_in) WHERE sign_in IS NOT NULL;
