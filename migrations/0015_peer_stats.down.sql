DROP TABLE benchmark_state;
DROP TABLE peer_stats;
DROP TABLE org_peers;
