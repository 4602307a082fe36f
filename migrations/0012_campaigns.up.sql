-- Working together on a deadline: question assignments, group-wide
-- campaigns, in-app notifications and their settings, and the mail outbox.
-- The job queue's own tables (river_*) are River's, applied by River's
-- migrator right after these (store.MigrateUp).

-- A question of an assessment assigned to an officer of its organisation.
-- Coordination only: any officer may still answer any question.
CREATE TABLE question_assignments (
    org_id        uuid NOT NULL REFERENCES orgs (id) ON DELETE RESTRICT,
    assessment_id uuid NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    question_id   text NOT NULL,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    due_on        date,
    note          text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
    assigned_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    assigned_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (assessment_id, question_id)
);
CREATE INDEX question_assignments_org_user_idx ON question_assignments (org_id, user_id, due_on);

-- A campaign (一斉調査): one manager's organisation and some or all of its
-- descendants answer a checklist by a deadline.
CREATE TABLE campaigns (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id        uuid NOT NULL REFERENCES orgs (id) ON DELETE RESTRICT,
    title         text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    checklist_id  text NOT NULL,
    deadline      date NOT NULL,
    prefill       boolean NOT NULL DEFAULT false,
    reminder_days integer[] NOT NULL DEFAULT '{14,7,1}',
    status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    scope_key     text NOT NULL, -- the sorted organisation ids, for the duplicate check
    created_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    closed_at     timestamptz
);
CREATE INDEX campaigns_org_idx ON campaigns (org_id, created_at DESC);
-- One open campaign per title, deadline and scope.
CREATE UNIQUE INDEX campaigns_open_key ON campaigns (org_id, title, deadline, scope_key) WHERE status = 'open';

-- The organisations of a campaign, each with the draft it got. late is
-- frozen when the campaign closes.
CREATE TABLE campaign_orgs (
    campaign_id   uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    org_id        uuid NOT NULL REFERENCES orgs (id) ON DELETE RESTRICT,
    assessment_id uuid NOT NULL REFERENCES assessments (id) ON DELETE RESTRICT,
    late          boolean,
    PRIMARY KEY (campaign_id, org_id)
);
CREATE INDEX campaign_orgs_org_idx ON campaign_orgs (org_id, campaign_id);
CREATE UNIQUE INDEX campaign_orgs_assessment_key ON campaign_orgs (assessment_id);

-- Reminders already planned: the planner never plans one twice.
CREATE TABLE campaign_reminders (
    campaign_id uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    org_id      uuid NOT NULL REFERENCES orgs (id) ON DELETE RESTRICT,
    due_on      date NOT NULL, -- the day the reminder is for
    PRIMARY KEY (campaign_id, org_id, due_on)
);
CREATE INDEX campaign_reminders_org_idx ON campaign_reminders (org_id, campaign_id);

-- In-app notifications. dedupe_key makes an event notify a user once, even
-- when two instances plan it.
CREATE TABLE notifications (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        text NOT NULL,
    subject_org uuid REFERENCES orgs (id) ON DELETE CASCADE,
    params      jsonb NOT NULL DEFAULT '{}',
    link        text NOT NULL,
    dedupe_key  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    read_at     timestamptz,
    emailed_at  timestamptz
);
CREATE INDEX notifications_org_user_idx ON notifications (org_id, user_id, created_at DESC);
CREATE INDEX notifications_user_unread_idx ON notifications (user_id, created_at DESC) WHERE read_at IS NULL;
CREATE UNIQUE INDEX notifications_dedupe_key ON notifications (user_id, dedupe_key);

-- Each user's choice per kind: immediate, daily digest, or off. A kind
-- without a row is immediate.
CREATE TABLE notification_settings (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind    text NOT NULL,
    mode    text NOT NULL CHECK (mode IN ('immediate', 'digest', 'off')),
    PRIMARY KEY (user_id, kind)
);

-- Every email, sent or not: with no SMTP server configured it stays here
-- for /admin/outbox. message_key is the email's idempotency key.
CREATE TABLE mail_outbox (
    id          bigserial PRIMARY KEY,
    message_key text NOT NULL UNIQUE,
    user_id     uuid REFERENCES users (id) ON DELETE SET NULL,
    to_addr     text NOT NULL,
    subject     text NOT NULL,
    body        text NOT NULL,
    status      text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'logged', 'failed')),
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz
);
CREATE INDEX mail_outbox_created_idx ON mail_outbox (created_at DESC);
