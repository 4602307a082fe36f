DROP TRIGGER peer_stats_version ON peer_stats;
DROP FUNCTION peer_stats_next_version();
ALTER TABLE peer_stats DROP COLUMN version;
DROP FUNCTION peer_stats_new_version();
DROP SEQUENCE peer_stats_version;
