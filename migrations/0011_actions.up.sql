-- Improvement actions (改善アクション): who closes which gap by when, and
-- how it ended. An action addresses one or more questions, each with the
-- level it should reach (questions: [{"question_id","planned_level"}]),
-- and key points (point_ids).
--
-- Evidence items are another table, added later: an action's evidence is
-- then a link table, and closing_note stays as the text of the closing.
-- The risk_* columns hold the current risk acceptance (all set or none);
-- its history, like every change, is in audit_log.

CREATE TABLE actions (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id               uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    title                text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    description          text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    questions            jsonb NOT NULL CHECK (jsonb_typeof(questions) = 'array' AND jsonb_array_length(questions) >= 1),
    point_ids            text[] NOT NULL DEFAULT '{}',
    owner_id             uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    due_on               date NOT NULL,
    priority             text NOT NULL CHECK (priority IN ('high', 'medium', 'low')),
    status               text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'done', 'risk_accepted')),
    source_assessment_id uuid REFERENCES assessments (id) ON DELETE SET NULL,
    closing_note         text CHECK (closing_note IS NULL OR length(closing_note) <= 5000),
    done_at              timestamptz,
    risk_approved_by     uuid REFERENCES users (id) ON DELETE SET NULL,
    risk_reason          text,
    risk_review_on       date,
    reopened_reason      text,
    created_by           uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    version              integer NOT NULL DEFAULT 1,
    CHECK ((status = 'risk_accepted') = (risk_reason IS NOT NULL AND risk_review_on IS NOT NULL)),
    CHECK (status <> 'done' OR done_at IS NOT NULL)
);
CREATE INDEX actions_org_idx ON actions (org_id, status, due_on);
CREATE INDEX actions_owner_idx ON actions (owner_id, status, due_on);
-- The sweep that reopens accepted risks whose review date has come.
CREATE INDEX actions_review_idx ON actions (risk_review_on) WHERE status = 'risk_accepted';

-- Progress notes: a thread per action, never edited or deleted.
CREATE TABLE action_notes (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id     uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    action_id  uuid NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
    author_id  uuid REFERENCES users (id) ON DELETE SET NULL,
    kind       text NOT NULL DEFAULT 'note' CHECK (kind IN ('note', 'status', 'reopened')),
    body       text NOT NULL CHECK (length(btrim(body)) >= 1 AND length(body) <= 5000),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX action_notes_org_idx ON action_notes (org_id, action_id, created_at, id);

-- Answers copied into next year's assessment whose question an action
-- claimed to improve: the officer checks the level rather than confirming
-- it by habit.
ALTER TABLE answers ADD COLUMN improvement_claimed boolean NOT NULL DEFAULT false;
