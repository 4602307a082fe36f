-- The append-only audit trail. Each row carries a SHA-256 over its canonical
-- content and the previous row's hash: one chain in insertion order. Rows are
-- never updated or deleted: the trigger refuses it (and the application role
-- is granted neither privilege where operators run it as a separate role).

CREATE TABLE audit_log (
    seq           bigint PRIMARY KEY,
    at            timestamptz NOT NULL,
    actor_id      uuid,
    actor         text NOT NULL DEFAULT '',
    org_id        uuid,
    assessment_id uuid,
    action        text NOT NULL,
    detail        json NOT NULL,
    prev_hash     bytea,
    hash          bytea NOT NULL
);
CREATE INDEX audit_log_assessment_idx ON audit_log (assessment_id, seq);
CREATE INDEX audit_log_org_idx ON audit_log (org_id, seq);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();

CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
