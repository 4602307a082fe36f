-- Review: the comment threads of an assessment (per question, or general
-- when question_id is null) and the auditor's mark per question.
--
-- Comments are never edited or deleted by the application: a thread is part
-- of the record of a review. Marks are the auditor's current view of a
-- question; every change of a mark is also in audit_log.

CREATE TABLE comments (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    assessment_id uuid NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    question_id   text,
    author_id     uuid REFERENCES users (id) ON DELETE SET NULL,
    body          text NOT NULL CHECK (length(btrim(body)) >= 1 AND length(body) <= 5000),
    -- clock_timestamp, not now(): two comments of one transaction (a return
    -- and its general comment) keep their order.
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX comments_assessment_idx ON comments (assessment_id, created_at, id);

CREATE TABLE review_marks (
    assessment_id uuid NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    question_id   text NOT NULL,
    mark          text NOT NULL CHECK (mark IN ('ok', 'needs_attention')),
    updated_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (assessment_id, question_id)
);

-- An auditor's recent decisions are read from the audit trail by actor.
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, seq);

-- The audit trail is append-only. The trigger of 0003 refuses UPDATE, DELETE
-- and TRUNCATE even for the table's owner; in addition no role gets those
-- privileges through PUBLIC. Operators who run the application as a separate
-- role grant it INSERT and SELECT only (docs/operations.md, "Audit trail").
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;
