DROP TRIGGER review_marks_org ON review_marks;
ALTER TABLE review_marks DROP COLUMN org_id;
DROP TRIGGER comments_org ON comments;
ALTER TABLE comments DROP COLUMN org_id;
DROP TRIGGER submissions_org ON submissions;
ALTER TABLE submissions DROP COLUMN org_id;
DROP TRIGGER answers_org ON answers;
ALTER TABLE answers DROP COLUMN org_id;
DROP FUNCTION fill_org_from_assessment();
