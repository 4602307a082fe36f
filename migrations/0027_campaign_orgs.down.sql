DROP TRIGGER assessments_campaign_status ON assessments;
DROP FUNCTION campaign_orgs_status();
DROP INDEX campaign_orgs_status_idx;
ALTER TABLE campaign_orgs DROP COLUMN status;
DROP INDEX campaigns_open_key;
CREATE UNIQUE INDEX campaigns_open_key ON campaigns (org_id, title, deadline, scope_key) WHERE status = 'open';
