-- Closing an action (done) names the evidence items that prove it: items of
-- the action's own organisation, from its evidence library. The link keeps
-- the organisation so that a row can never join an action to another
-- organisation's item (both foreign keys carry org_id).

CREATE UNIQUE INDEX actions_org_id_key ON actions (org_id, id);
CREATE UNIQUE INDEX evidence_org_id_key ON evidence (org_id, id);

CREATE TABLE action_evidence (
    org_id      uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    action_id   uuid NOT NULL,
    evidence_id uuid NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, action_id, evidence_id),
    FOREIGN KEY (org_id, action_id) REFERENCES actions (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, evidence_id) REFERENCES evidence (org_id, id) ON DELETE CASCADE
);
CREATE INDEX action_evidence_evidence_idx ON action_evidence (org_id, evidence_id);
