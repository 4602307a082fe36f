-- The organisation cache (internal/store/org_cache.go): every instance keeps
-- an organisation's profile and own targets in memory and drops them when
-- the database announces a change on the channel mamori_cache, with the
-- organisation's id as the payload. pg_notify is delivered at commit (one
-- notification per organisation and transaction), never for a transaction
-- that rolls back.
CREATE FUNCTION mamori_cache_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('mamori_cache', OLD.org_id::text);
    ELSE
        PERFORM pg_notify('mamori_cache', NEW.org_id::text);
        IF TG_OP = 'UPDATE' AND OLD.org_id IS DISTINCT FROM NEW.org_id THEN
            PERFORM pg_notify('mamori_cache', OLD.org_id::text);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER org_profiles_cache_notify AFTER INSERT OR UPDATE OR DELETE ON org_profiles
    FOR EACH ROW EXECUTE FUNCTION mamori_cache_notify();
CREATE TRIGGER org_targets_cache_notify AFTER INSERT OR UPDATE OR DELETE ON org_targets
    FOR EACH ROW EXECUTE FUNCTION mamori_cache_notify();
