ALTER TABLE orgs DROP COLUMN password_login;
DROP TABLE sso_domains;
DROP TABLE sso_providers;
