-- One hash chain per organisation, so that writers of different
-- organisations never wait on each other (0003 kept one chain for the whole
-- installation, appended under one lock).
--
-- Each entry now belongs to a chain (the organisation's id, or 'system' for
-- events of no organisation) and carries its position in that chain
-- (chain_seq), which is what its hash covers. seq stays a global, increasing
-- number for ordering and anchors; it may have gaps (a rolled-back
-- transaction uses one up).
--
-- audit_chains holds each chain's head: its last position and hash. Appends
-- update it in the same statement as the insert, so the head row is the
-- chain's lock, and `mamori audit verify` compares every chain's last entry
-- with its head: cutting entries off the end of a chain is noticed. The head
-- only moves forward one entry at a time (the trigger refuses anything
-- else) and is never deleted.
--
-- Existing entries become the chain 'legacy', positions equal to their seq,
-- so their stored hashes verify unchanged.

ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
ALTER TABLE audit_log ADD COLUMN chain text, ADD COLUMN chain_seq bigint;
UPDATE audit_log SET chain = 'legacy', chain_seq = seq;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;
ALTER TABLE audit_log ALTER COLUMN chain SET NOT NULL, ALTER COLUMN chain_seq SET NOT NULL;
CREATE UNIQUE INDEX audit_log_chain_idx ON audit_log (chain, chain_seq);

CREATE SEQUENCE audit_log_seq OWNED BY audit_log.seq;
SELECT setval('audit_log_seq', coalesce(max(seq), 0) + 1, false) FROM audit_log;
ALTER TABLE audit_log ALTER COLUMN seq SET DEFAULT nextval('audit_log_seq');

CREATE TABLE audit_chains (
    chain text PRIMARY KEY,
    seq   bigint NOT NULL CHECK (seq > 0),
    prev  bytea,
    hash  bytea NOT NULL
);
INSERT INTO audit_chains (chain, seq, prev, hash)
SELECT 'legacy', seq, prev_hash, hash FROM audit_log ORDER BY seq DESC LIMIT 1;

CREATE FUNCTION audit_chains_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.chain = OLD.chain AND NEW.seq = OLD.seq + 1
        AND NEW.prev IS NOT DISTINCT FROM OLD.hash THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_chains only moves forward one entry at a time: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_chains_forward_only
    BEFORE UPDATE OR DELETE ON audit_chains
    FOR EACH ROW EXECUTE FUNCTION audit_chains_forward_only();

CREATE TRIGGER audit_chains_no_truncate
    BEFORE TRUNCATE ON audit_chains
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

REVOKE DELETE, TRUNCATE ON audit_chains FROM PUBLIC;
