-- Every version of a peer group's sums gets a number no other row or
-- version ever had, so a server instance that holds the sums of that number
-- in memory need not read and decode them again (store/peer_stats.go).
CREATE SEQUENCE peer_stats_version;
ALTER TABLE peer_stats ADD COLUMN version bigint NOT NULL DEFAULT nextval('peer_stats_version');

CREATE FUNCTION peer_stats_next_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := nextval('peer_stats_version');
    RETURN NEW;
END $$;

CREATE TRIGGER peer_stats_version BEFORE UPDATE ON peer_stats
    FOR EACH ROW EXECUTE FUNCTION peer_stats_next_version();
