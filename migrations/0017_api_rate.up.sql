-- The API rate limit's counts, shared by every server instance: one row per
-- caller (a token or a user) and minute. A request adds one to its minute
-- and reads the minute before, for a sliding window. Rows older than two
-- minutes are swept.
CREATE TABLE api_rate (
    key     text NOT NULL,
    minute  timestamptz NOT NULL,
    count   integer NOT NULL,
    PRIMARY KEY (key, minute)
);
