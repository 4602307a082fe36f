-- One open campaign per title, deadline and scope, the scope (every
-- organisation's id, sorted and joined) compared by its digest: the key
-- itself outgrew a btree entry (2,704 bytes) at about 70 organisations, and
-- a campaign over more could not be launched at all.
DROP INDEX campaigns_open_key;
CREATE UNIQUE INDEX campaigns_open_key ON campaigns (org_id, title, deadline, md5(scope_key)) WHERE status = 'open';

-- Each campaign organisation's assessment status, kept here by the trigger
-- below, so that a campaign's counts and its dashboard's status filter read
-- campaign_orgs (by campaign) without joining every assessment. Statuses
-- change a few times a year per assessment; answer saves never write it.
ALTER TABLE campaign_orgs ADD COLUMN status text;
UPDATE campaign_orgs co SET status = a.status FROM assessments a WHERE a.id = co.assessment_id;
ALTER TABLE campaign_orgs ALTER COLUMN status SET NOT NULL;
CREATE INDEX campaign_orgs_status_idx ON campaign_orgs (campaign_id, status, org_id);

CREATE FUNCTION campaign_orgs_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE campaign_orgs SET status = NEW.status WHERE assessment_id = NEW.id AND status IS DISTINCT FROM NEW.status;
    RETURN NULL;
END;
$$;
CREATE TRIGGER assessments_campaign_status AFTER UPDATE OF status ON assessments FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION campaign_orgs_status();
