DROP TRIGGER auditor_assignments_visibility ON auditor_assignments;
DROP TRIGGER users_visibility_truncate ON users;
DROP TRIGGER users_visibility_update ON users;
DROP TRIGGER users_visibility_delete ON users;
DROP TRIGGER users_visibility_insert ON users;
DROP TRIGGER orgs_visibility ON orgs;
DROP FUNCTION visibility_bump();
DROP FUNCTION visibility_bump_now();
DROP TABLE visibility;
