-- Back to one chain. Entries appended since 0007 belong to per-organisation
-- chains: after this, `mamori audit verify` of the old code reports them.
DROP TABLE audit_chains;
DROP FUNCTION audit_chains_forward_only();
ALTER TABLE audit_log ALTER COLUMN seq DROP DEFAULT;
DROP SEQUENCE audit_log_seq;
DROP INDEX audit_log_chain_idx;
ALTER TABLE audit_log DROP COLUMN chain, DROP COLUMN chain_seq;
