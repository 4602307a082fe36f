DROP TABLE assessment_results;
DROP TABLE org_targets;
DROP TABLE org_profile_history;
DROP TABLE org_profiles;
