-- Assessments and their answers. Every answer row carries a version number:
-- a save names the version it read and is refused when another save came in
-- between (optimistic concurrency, no silent overwrite).

CREATE TABLE assessments (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id        uuid NOT NULL REFERENCES orgs (id) ON DELETE RESTRICT,
    title         text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    checklist_id  text NOT NULL,
    status        text NOT NULL DEFAULT 'draft'
                  CHECK (status IN ('draft', 'submitted', 'returned', 'approved')),
    status_version integer NOT NULL DEFAULT 1,
    copied_from   uuid REFERENCES assessments (id) ON DELETE SET NULL,
    created_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    submitted_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    submitted_at  timestamptz,
    decided_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    decided_at    timestamptz
);
CREATE INDEX assessments_org_idx ON assessments (org_id, created_at DESC);
CREATE INDEX assessments_status_idx ON assessments (status, submitted_at);

CREATE TABLE answers (
    assessment_id uuid NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    question_id   text NOT NULL,
    level         smallint CHECK (level BETWEEN 1 AND 5),
    comment       text NOT NULL DEFAULT '' CHECK (length(comment) <= 10000),
    points_met    text[] NOT NULL DEFAULT '{}',
    carried_over  boolean NOT NULL DEFAULT false,
    version       integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    updated_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (assessment_id, question_id)
);

-- A snapshot of the answers at each submission, for the differences between
-- one submission and the next.
CREATE TABLE submissions (
    assessment_id uuid NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    seq           integer NOT NULL,
    submitted_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    submitted_at  timestamptz NOT NULL DEFAULT now(),
    answers       jsonb NOT NULL,
    PRIMARY KEY (assessment_id, seq)
);
