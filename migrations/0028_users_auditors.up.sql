-- Who reviews what starts from the active auditors: found by index, not by
-- reading every user (the administrator's unreviewed organisations, the
-- review tree).
CREATE INDEX users_auditors_idx ON users (org_id) WHERE role = 'auditor' AND active;
