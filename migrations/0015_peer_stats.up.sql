-- The peer benchmark without scanning every tenant per request.
--
-- org_peers holds each organisation's contribution to the benchmark: its
-- latest approved assessment's frozen result, with the industry and size band
-- its profile states now. peer_stats holds, per group (risk group, industry,
-- size band, and everyone), the sums of score.PeerStats as JSON. Both change
-- in the same transaction as an approval, a reopening, a profile change or an
-- organisation's industry; a benchmark reads the four rows of its groups by
-- key, so it costs the same for 10 organisations or 100,000.
--
-- `mamori serve` fills both from the assessments when benchmark_state has no
-- row (after this migration, or after `mamori benchmark rebuild`).

CREATE TABLE org_peers (
    org_id            uuid PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    assessment_id     uuid NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    total             smallint NOT NULL,
    risk_index        smallint NOT NULL,
    risk_group        text NOT NULL,
    industry          text NOT NULL,
    size_band         text NOT NULL,
    category_averages jsonb NOT NULL
);

CREATE TABLE peer_stats (
    kind  text NOT NULL,
    key   text NOT NULL,
    stats jsonb NOT NULL,
    PRIMARY KEY (kind, key)
);

CREATE TABLE benchmark_state (
    id       boolean PRIMARY KEY DEFAULT true CHECK (id),
    built_at timestamptz NOT NULL
);
