DROP INDEX users_auditors_idx;
