DROP TRIGGER assessments_org_dash ON assessments;
DROP FUNCTION org_dash_cycle_touched();
DROP TABLE dashboard_state;
DROP TABLE org_dash_rollup;
DROP TABLE org_dash_recent;
DROP TABLE org_dash;
