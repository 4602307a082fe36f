DROP TABLE action_evidence;
DROP INDEX evidence_org_id_key;
DROP INDEX actions_org_id_key;
