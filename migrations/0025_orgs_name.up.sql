-- Organisation pickers list the first organisations by name: read by index,
-- not by sorting every organisation.
CREATE INDEX orgs_name_idx ON orgs (name, id);
