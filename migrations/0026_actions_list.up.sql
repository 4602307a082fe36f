-- The actions list reads one page in SQL, in each of its orders, for an
-- administrator's every organisation too (docs/scaling.md).
--
-- An action's expected gain is kept on the row: the points the total rises
-- by when its planned levels are reached, measured against the answered
-- levels of its organisation's newest assessment (the one a new plan is
-- checked against). Triggers keep it in the transaction of whatever moves
-- it: the action's questions (insert, edit), a new or removed assessment
-- (the newest changes), and a level of the newest assessment changing. A
-- save that leaves the level as it was, or that is not in the newest
-- assessment, or whose question no action names, writes no action.

CREATE FUNCTION action_gain(p_org uuid, p_questions jsonb) RETURNS integer
LANGUAGE plpgsql AS $$
-- PL/pgSQL keeps its statements' plans for the session (a SQL function
-- here was planned again on every call: 0.5 ms more per save). Each
-- statement reads the newest committed state, so a save and a new
-- assessment racing each other leave the gain of whichever is newest.
DECLARE
    newest uuid;
    g integer;
BEGIN
    SELECT n.id INTO newest FROM assessments n WHERE n.org_id = p_org ORDER BY n.created_at DESC, n.id DESC LIMIT 1;
    SELECT coalesce(sum(greatest(0, (q->>'planned_level')::int - coalesce(x.level, 0))), 0)::int INTO g
    FROM jsonb_array_elements(p_questions) q
    LEFT JOIN answers x ON x.assessment_id = newest AND x.question_id = q->>'question_id';
    RETURN g;
END $$;

ALTER TABLE actions ADD COLUMN gain integer NOT NULL DEFAULT 0,
    ADD COLUMN priority_rank smallint NOT NULL
        GENERATED ALWAYS AS (CASE priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END) STORED;
UPDATE actions SET gain = action_gain(org_id, questions);

-- The action's own plan.
CREATE FUNCTION actions_set_gain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.gain := action_gain(NEW.org_id, NEW.questions);
    RETURN NEW;
END $$;
CREATE TRIGGER actions_gain BEFORE INSERT OR UPDATE OF questions ON actions
    FOR EACH ROW EXECUTE FUNCTION actions_set_gain();

-- A new or removed assessment: the organisation's newest may have changed.
CREATE FUNCTION assessments_move_action_gain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    org uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.org_id ELSE NEW.org_id END;
BEGIN
    UPDATE actions a SET gain = g.gain
    FROM (SELECT id, action_gain(org_id, questions) AS gain FROM actions WHERE org_id = org) g
    WHERE a.id = g.id AND a.gain <> g.gain;
    RETURN NULL;
END $$;
CREATE TRIGGER assessments_action_gain AFTER INSERT OR DELETE ON assessments
    FOR EACH ROW EXECUTE FUNCTION assessments_move_action_gain();

-- A level of the newest assessment: the actions that name its question.
CREATE FUNCTION answers_move_action_gain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r answers := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
BEGIN
    UPDATE actions a SET gain = g.gain
    FROM (SELECT id, action_gain(org_id, questions) AS gain FROM actions
        WHERE org_id = r.org_id AND questions @> jsonb_build_array(jsonb_build_object('question_id', r.question_id))
            AND r.assessment_id = (SELECT n.id FROM assessments n WHERE n.org_id = r.org_id
                ORDER BY n.created_at DESC, n.id DESC LIMIT 1)) g
    WHERE a.id = g.id AND a.gain <> g.gain;
    RETURN NULL;
END $$;
CREATE TRIGGER answers_action_gain_insert AFTER INSERT ON answers
    FOR EACH ROW WHEN (NEW.level IS NOT NULL) EXECUTE FUNCTION answers_move_action_gain();
CREATE TRIGGER answers_action_gain_update AFTER UPDATE OF level ON answers
    FOR EACH ROW WHEN (OLD.level IS DISTINCT FROM NEW.level) EXECUTE FUNCTION answers_move_action_gain();
CREATE TRIGGER answers_action_gain_delete AFTER DELETE ON answers
    FOR EACH ROW WHEN (OLD.level IS NOT NULL) EXECUTE FUNCTION answers_move_action_gain();

-- The list's three orders, each an index range for every organisation
-- (an administrator) and walked for a long list of organisations; a few
-- organisations' actions are read by actions_org_idx and sorted.
CREATE INDEX actions_due_order_idx ON actions (due_on, created_at, id);
CREATE INDEX actions_priority_order_idx ON actions (priority_rank, due_on, created_at, id);
CREATE INDEX actions_gain_order_idx ON actions (gain DESC, due_on, created_at, id);

-- The owner filter offers the first owners by name.
CREATE INDEX users_name_idx ON users (display_name, id);
