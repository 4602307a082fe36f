DROP INDEX assessments_list_idx;
