DROP TABLE review_sources_state;
DROP TABLE org_review_sources;
