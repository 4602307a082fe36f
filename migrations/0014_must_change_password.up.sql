-- A user given a generated password (by an administrator) must choose their
-- own at first sign-in.
ALTER TABLE users ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;
