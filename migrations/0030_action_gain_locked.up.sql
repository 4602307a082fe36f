-- The expected gain of an action (migration 0026) is worked out from the
-- action's row as it stands once locked. Before, the triggers worked it
-- out before waiting for the row: a save that waited for an edit of the
-- action, or for a new assessment, then wrote the gain it had worked out
-- from what it saw before the wait (a gain of 1 kept where 3 was right).
-- An UPDATE re-evaluates its SET and WHERE on the row it waited for, and
-- action_gain reads the newest committed state.
--
-- A statement that copies a whole assessment's answers (a new cycle from
-- last year's, a prefilled campaign) sets mamori.copying_answers for its
-- transaction and works the gains of the organisations out once after the
-- copy (store.recomputeActionGains), instead of once per answer and per
-- new assessment: a prefilled launch over 10,000 organisations spent 11 s
-- of its transaction in these triggers.

CREATE OR REPLACE FUNCTION assessments_move_action_gain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    org uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.org_id ELSE NEW.org_id END;
BEGIN
    IF current_setting('mamori.copying_answers', true) = 'on' THEN
        RETURN NULL;
    END IF;
    UPDATE actions a SET gain = action_gain(a.org_id, a.questions)
    WHERE a.org_id = org AND a.gain IS DISTINCT FROM action_gain(a.org_id, a.questions);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION answers_move_action_gain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r answers := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
BEGIN
    IF current_setting('mamori.copying_answers', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF r.assessment_id IS DISTINCT FROM (SELECT n.id FROM assessments n WHERE n.org_id = r.org_id
            ORDER BY n.created_at DESC, n.id DESC LIMIT 1) THEN
        RETURN NULL;
    END IF;
    UPDATE actions a SET gain = action_gain(a.org_id, a.questions)
    WHERE a.org_id = r.org_id AND a.questions @> jsonb_build_array(jsonb_build_object('question_id', r.question_id))
        AND a.gain IS DISTINCT FROM action_gain(a.org_id, a.questions);
    RETURN NULL;
END $$;
