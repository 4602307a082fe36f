-- Who reviews each organisation, so that an auditor's lists join it rather
-- than receive the ids of every organisation they review (docs/scaling.md).
-- An organisation is reviewed by the auditors of its review source: itself
-- when it has an active auditor of its own or assigned to it, else the
-- nearest organisation above it that has one (policy.Reviewers). An auditor
-- reaches the organisations whose source is their own organisation or one
-- they are assigned to. No row: nobody reviews the organisation.
--
-- The store rebuilds the rows when the visibility version (migration 0022)
-- has moved past review_sources_state's, before an auditor's list reads
-- them (store/review_sources.go): the changes that move it are the
-- administrators' (the tree, auditors, assignments), a few a day.
CREATE TABLE org_review_sources (
    org_id    uuid PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    source_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE
);
CREATE INDEX org_review_sources_source_idx ON org_review_sources (source_id, org_id);

-- The visibility version the rows were built at (0: never).
CREATE TABLE review_sources_state (
    id      boolean PRIMARY KEY DEFAULT true CHECK (id),
    version bigint NOT NULL
);
INSERT INTO review_sources_state (id, version) VALUES (true, 0);
