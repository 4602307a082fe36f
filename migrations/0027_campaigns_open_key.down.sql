DROP INDEX campaigns_open_key;
CREATE UNIQUE INDEX campaigns_open_key ON campaigns (org_id, title, deadline, scope_key) WHERE status = 'open';
