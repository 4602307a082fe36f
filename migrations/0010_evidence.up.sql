-- Evidence: files and links that back answers, per organisation (the
-- evidence library), their contents, their links to answers and the
-- auditor's review of each link.
--
-- An item is a file (kind 'file': name, size, detected type, SHA-256 and
-- contents) or a link (kind 'link': an http or https URL). Contents live in
-- evidence_chunks by default (storage 'db'), or in object storage
-- (storage 'blob', under blob_key, which never derives from the file name).
-- An item is written with its contents in one transaction, so a failed or
-- killed upload leaves nothing behind.

CREATE TABLE evidence (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id         uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    kind           text NOT NULL CHECK (kind IN ('file', 'link')),
    title          text NOT NULL CHECK (length(btrim(title)) >= 1 AND length(title) <= 200),
    description    text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    url            text CHECK (length(url) <= 2000),
    filename       text CHECK (length(filename) <= 255),
    size           bigint CHECK (size >= 0),
    content_type   text,
    sha256         bytea CHECK (length(sha256) = 32),
    storage        text CHECK (storage IN ('db', 'blob')),
    blob_key       text,
    effective_date date NOT NULL,
    review_by      date,
    retired        boolean NOT NULL DEFAULT false,
    created_by     uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'link') = (url IS NOT NULL)),
    CHECK ((kind = 'file') = (filename IS NOT NULL AND size IS NOT NULL AND content_type IS NOT NULL
                              AND sha256 IS NOT NULL AND storage IS NOT NULL))
);
CREATE INDEX evidence_org_idx ON evidence (org_id, created_at DESC, id);
CREATE INDEX evidence_org_sha256_idx ON evidence (org_id, sha256) WHERE sha256 IS NOT NULL;
-- The search for orphaned objects looks rows up by key.
CREATE UNIQUE INDEX evidence_blob_key_idx ON evidence (blob_key) WHERE blob_key IS NOT NULL;

-- The contents of a file kept in the database, in chunks of at most 1 MiB
-- so that neither an upload nor a download (with Range) holds a whole file.
CREATE TABLE evidence_chunks (
    evidence_id uuid NOT NULL REFERENCES evidence (id) ON DELETE CASCADE,
    org_id      uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    seq         integer NOT NULL CHECK (seq >= 0),
    data        bytea NOT NULL,
    PRIMARY KEY (evidence_id, seq)
);
-- Files are mostly compressed already (PDF, images, Office): no TOAST
-- compression attempt.
ALTER TABLE evidence_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE INDEX evidence_chunks_org_idx ON evidence_chunks (org_id);

-- An item backing the answer of a question (optionally named key points).
-- needs_confirmation: carried over from last year's assessment and not yet
-- reconfirmed. review: the auditor's view of this link.
CREATE TABLE evidence_links (
    org_id             uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    assessment_id      uuid NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    question_id        text NOT NULL,
    evidence_id        uuid NOT NULL REFERENCES evidence (id) ON DELETE CASCADE,
    point_ids          text[] NOT NULL DEFAULT '{}',
    needs_confirmation boolean NOT NULL DEFAULT false,
    review             text CHECK (review IN ('accepted', 'insufficient')),
    review_comment     text NOT NULL DEFAULT '' CHECK (length(review_comment) <= 2000),
    reviewed_by        uuid REFERENCES users (id) ON DELETE SET NULL,
    reviewed_at        timestamptz,
    created_by         uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (assessment_id, question_id, evidence_id)
);
CREATE INDEX evidence_links_org_idx ON evidence_links (org_id, evidence_id);
