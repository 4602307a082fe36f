DROP INDEX orgs_name_idx;
