-- Every tenant table carries org_id with an index that leads with it, so
-- that the schema can be distributed by organisation (docs/scaling.md). The
-- tables that hang off an assessment (answers, submissions, comments, review
-- marks) get it from their assessment: a trigger fills it on insert, so no
-- writer can forget it and none needs a lookup of its own. An assessment
-- never moves to another organisation, so the copy never goes stale.

CREATE FUNCTION fill_org_from_assessment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.org_id IS NULL THEN
        SELECT org_id INTO NEW.org_id FROM assessments WHERE id = NEW.assessment_id;
    END IF;
    RETURN NEW;
END;
$$;

ALTER TABLE answers ADD COLUMN org_id uuid;
UPDATE answers x SET org_id = a.org_id FROM assessments a WHERE a.id = x.assessment_id;
ALTER TABLE answers ALTER COLUMN org_id SET NOT NULL;
CREATE INDEX answers_org_idx ON answers (org_id, assessment_id);
CREATE TRIGGER answers_org BEFORE INSERT ON answers FOR EACH ROW EXECUTE FUNCTION fill_org_from_assessment();

ALTER TABLE submissions ADD COLUMN org_id uuid;
UPDATE submissions x SET org_id = a.org_id FROM assessments a WHERE a.id = x.assessment_id;
ALTER TABLE submissions ALTER COLUMN org_id SET NOT NULL;
CREATE INDEX submissions_org_idx ON submissions (org_id, assessment_id);
CREATE TRIGGER submissions_org BEFORE INSERT ON submissions FOR EACH ROW EXECUTE FUNCTION fill_org_from_assessment();

ALTER TABLE comments ADD COLUMN org_id uuid;
UPDATE comments x SET org_id = a.org_id FROM assessments a WHERE a.id = x.assessment_id;
ALTER TABLE comments ALTER COLUMN org_id SET NOT NULL;
CREATE INDEX comments_org_idx ON comments (org_id, assessment_id);
CREATE TRIGGER comments_org BEFORE INSERT ON comments FOR EACH ROW EXECUTE FUNCTION fill_org_from_assessment();

ALTER TABLE review_marks ADD COLUMN org_id uuid;
UPDATE review_marks x SET org_id = a.org_id FROM assessments a WHERE a.id = x.assessment_id;
ALTER TABLE review_marks ALTER COLUMN org_id SET NOT NULL;
CREATE INDEX review_marks_org_idx ON review_marks (org_id, assessment_id);
CREATE TRIGGER review_marks_org BEFORE INSERT ON review_marks FOR EACH ROW EXECUTE FUNCTION fill_org_from_assessment();
