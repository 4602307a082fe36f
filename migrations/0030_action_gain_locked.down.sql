CREATE OR REPLACE FUNCTION assessments_move_action_gain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    org uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.org_id ELSE NEW.org_id END;
BEGIN
    UPDATE actions a SET gain = g.gain
    FROM (SELECT id, action_gain(org_id, questions) AS gain FROM actions WHERE org_id = org) g
    WHERE a.id = g.id AND a.gain <> g.gain;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION answers_move_action_gain() RETURNS trigger LANGUAGE plpgsql AS $$
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
