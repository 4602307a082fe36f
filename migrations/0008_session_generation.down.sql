ALTER TABLE sessions DROP COLUMN user_gen;
ALTER TABLE users DROP COLUMN session_gen;
