-- The REVOKE of the up migration is not undone: PUBLIC never held those
-- privileges on audit_log.
DROP INDEX audit_log_actor_idx;
DROP TABLE review_marks;
DROP TABLE comments;
