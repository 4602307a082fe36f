-- Every version of a peer group's sums gets a number no other row or
-- version had, so a server instance that holds the sums of that number in
-- memory need not read and decode them again (store/peer_stats.go). The
-- number starts with the current time in microseconds, so that numbers
-- handed out after a restore to an earlier point in time do not repeat the
-- ones of the abandoned history; the sequence's last three digits keep
-- numbers of the same microsecond apart.
CREATE SEQUENCE peer_stats_version;

CREATE FUNCTION peer_stats_new_version() RETURNS bigint LANGUAGE sql VOLATILE AS $$
    SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint * 1000 + nextval('peer_stats_version') % 1000;
$$;

ALTER TABLE peer_stats ADD COLUMN version bigint NOT NULL DEFAULT peer_stats_new_version();

CREATE FUNCTION peer_stats_next_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := peer_stats_new_version();
    RETURN NEW;
END $$;

CREATE TRIGGER peer_stats_version BEFORE UPDATE ON peer_stats
    FOR EACH ROW EXECUTE FUNCTION peer_stats_next_version();
