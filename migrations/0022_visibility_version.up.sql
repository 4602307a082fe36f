-- Who sees which organisations (managers: their subtree; auditors: what
-- they review) is worked out from the organisation tree, the auditors and
-- their assignments, and cached in memory by every server instance, keyed
-- by this version. Every change that can alter anyone's visible set moves
-- it on, in the same transaction; an instance reads it with the session on
-- every request, so a change is seen by all instances at once.
--
-- A version moves to at least the current time in microseconds: after a
-- restore to an earlier point in time, the next change still moves past
-- every version an instance may hold from the abandoned history.
CREATE TABLE visibility (
    id      boolean PRIMARY KEY DEFAULT true CHECK (id),
    version bigint NOT NULL
);
INSERT INTO visibility (id, version) VALUES (true, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint);

CREATE FUNCTION visibility_bump_now() RETURNS void LANGUAGE sql AS $$
    UPDATE visibility SET version = greatest(version + 1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint);
$$;

CREATE FUNCTION visibility_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM visibility_bump_now();
    RETURN NULL;
END $$;

-- The tree: a new, removed or moved organisation.
CREATE TRIGGER orgs_visibility AFTER INSERT OR DELETE OR UPDATE OF parent_id OR TRUNCATE ON orgs
    FOR EACH STATEMENT EXECUTE FUNCTION visibility_bump();
-- Auditors: an organisation with an active auditor of its own is reviewed
-- by that auditor, not by the one above. (A user's own role and
-- organisation are part of the cache key, so other changes to users need
-- no bump.)
CREATE TRIGGER users_visibility_insert AFTER INSERT ON users
    FOR EACH ROW WHEN (NEW.role = 'auditor') EXECUTE FUNCTION visibility_bump();
CREATE TRIGGER users_visibility_delete AFTER DELETE ON users
    FOR EACH ROW WHEN (OLD.role = 'auditor') EXECUTE FUNCTION visibility_bump();
CREATE TRIGGER users_visibility_update AFTER UPDATE OF role, org_id, active ON users
    FOR EACH ROW WHEN ((OLD.role = 'auditor' OR NEW.role = 'auditor')
        AND (OLD.role, OLD.org_id, OLD.active) IS DISTINCT FROM (NEW.role, NEW.org_id, NEW.active))
    EXECUTE FUNCTION visibility_bump();
CREATE TRIGGER users_visibility_truncate AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION visibility_bump();
CREATE TRIGGER auditor_assignments_visibility AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON auditor_assignments
    FOR EACH STATEMENT EXECUTE FUNCTION visibility_bump();
