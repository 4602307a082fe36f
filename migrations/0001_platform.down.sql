DROP TABLE login_failures;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE auditor_assignments;
DROP TABLE users;
DROP TABLE orgs;
