ALTER TABLE answers DROP COLUMN IF EXISTS improvement_claimed;
DROP TABLE IF EXISTS action_notes;
DROP TABLE IF EXISTS actions;
