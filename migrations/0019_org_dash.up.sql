-- The managers' dashboard reads one page of organisations by index instead
-- of every organisation in view (docs/scaling.md, docs/performance.md).
--
-- org_dash holds, per organisation, what the dashboard filters and sorts on,
-- once for every scope that lists it: the "all" scope of administrators
-- (scope_id is the nil uuid) and the subtree of each of its ancestors and of
-- itself (scope_id is that organisation: a manager's dashboard). A page is
-- then a range of one index whatever the order asked for. The store keeps
-- it in the transaction of every change that moves it (refreshOrgDash).
-- The current cycle's last change, which every answer save moves, lives in
-- the narrow org_dash_recent (the "updated" order), kept by the trigger
-- below: no save path has to remember it, and a save rewrites a row of two
-- indexes per scope rather than one of every index of org_dash.
CREATE TABLE org_dash (
    org_id           uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    scope_id         uuid NOT NULL,
    name             text COLLATE "C" NOT NULL,
    name_folded      text NOT NULL,
    risk_group       text NOT NULL,           -- GI, GII, GIII or '' (none yet)
    latest_id        uuid,                    -- latest approved assessment with a frozen result
    total_key        integer NOT NULL,        -- its total; 1073741824 when none (sorts last)
    shortfall        integer NOT NULL,        -- hundredths below target, summed over the categories
    cycle_id         uuid,                    -- newest assessment
    cycle_status     text NOT NULL,           -- its status, or 'none'
    PRIMARY KEY (org_id, scope_id)
);
CREATE INDEX org_dash_name_idx ON org_dash (scope_id, name, org_id);
CREATE INDEX org_dash_total_idx ON org_dash (scope_id, total_key, name, org_id);
CREATE INDEX org_dash_shortfall_idx ON org_dash (scope_id, shortfall DESC, name, org_id);
-- A status or a risk group in the orders of org_dash (saves never write
-- these rows: the indexes cost only the few changes a year that move them).
CREATE INDEX org_dash_status_idx ON org_dash (scope_id, cycle_status, name, org_id);
CREATE INDEX org_dash_status_total_idx ON org_dash (scope_id, cycle_status, total_key, name, org_id);
CREATE INDEX org_dash_status_shortfall_idx ON org_dash (scope_id, cycle_status, shortfall DESC, name, org_id);
CREATE INDEX org_dash_group_idx ON org_dash (scope_id, risk_group, name, org_id);
CREATE INDEX org_dash_group_total_idx ON org_dash (scope_id, risk_group, total_key, name, org_id);
CREATE INDEX org_dash_group_shortfall_idx ON org_dash (scope_id, risk_group, shortfall DESC, name, org_id);

-- The same rows' current cycle and its last change.
CREATE TABLE org_dash_recent (
    org_id           uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    scope_id         uuid NOT NULL,
    name             text COLLATE "C" NOT NULL,
    cycle_id         uuid,
    cycle_updated_at timestamptz,
    PRIMARY KEY (org_id, scope_id)
);
CREATE INDEX org_dash_recent_idx ON org_dash_recent (scope_id, cycle_updated_at DESC NULLS LAST, name, org_id);

-- The dashboard's summary counts per scope, in shards: a change adds its
-- difference to the shard of its organisation (a hash of its id), so that
-- changes of different organisations seldom wait on the same row, and a
-- read sums a scope's shards.
CREATE TABLE org_dash_rollup (
    scope_id     uuid NOT NULL,
    shard        smallint NOT NULL,
    orgs         integer NOT NULL DEFAULT 0,
    st_none      integer NOT NULL DEFAULT 0,
    st_draft     integer NOT NULL DEFAULT 0,
    st_submitted integer NOT NULL DEFAULT 0,
    st_returned  integer NOT NULL DEFAULT 0,
    st_approved  integer NOT NULL DEFAULT 0,
    with_result  integer NOT NULL DEFAULT 0,
    below_target integer NOT NULL DEFAULT 0,
    sum_total    bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (scope_id, shard)
);

-- Whether the dashboard's tables were built (see store.EnsureDashboard).
CREATE TABLE dashboard_state (
    id       boolean PRIMARY KEY DEFAULT true CHECK (id),
    built_at timestamptz NOT NULL
);

CREATE FUNCTION org_dash_cycle_touched() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE org_dash_recent SET cycle_updated_at = NEW.updated_at
    WHERE org_id = NEW.org_id AND cycle_id = NEW.id AND cycle_updated_at IS DISTINCT FROM NEW.updated_at;
    RETURN NULL;
END;
$$;
CREATE TRIGGER assessments_org_dash AFTER UPDATE OF updated_at ON assessments FOR EACH ROW
    WHEN (OLD.updated_at IS DISTINCT FROM NEW.updated_at) EXECUTE FUNCTION org_dash_cycle_touched();
