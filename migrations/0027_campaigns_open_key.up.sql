-- One open campaign per title, deadline and scope, the scope (every
-- organisation's id, sorted and joined) compared by its digest: the key
-- itself outgrew a btree entry (2,704 bytes) at about 70 organisations, and
-- a campaign over more could not be launched at all.
DROP INDEX campaigns_open_key;
CREATE UNIQUE INDEX campaigns_open_key ON campaigns (org_id, title, deadline, md5(scope_key)) WHERE status = 'open';
