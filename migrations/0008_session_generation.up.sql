-- Session revocation that a request still in flight cannot undo. Every user
-- has a session generation; revoking their sessions (password change or
-- reset, second factor turned on, role or organisation change, the
-- organisation's second-factor requirement) moves it on. A session row
-- records the generation it was signed in under and loads only while the
-- two agree, so a row that outlives its revocation is dead all the same.
ALTER TABLE users ADD COLUMN session_gen bigint NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN user_gen bigint NOT NULL DEFAULT 0;
