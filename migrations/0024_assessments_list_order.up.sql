-- The assessments list's order (returned ones first, then newest first), so
-- that a page of every organisation's assessments is read by index.
CREATE INDEX assessments_list_idx ON assessments ((status = 'returned') DESC, created_at DESC, id);
