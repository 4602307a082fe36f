DROP TABLE evidence_links;
DROP TABLE evidence_chunks;
DROP TABLE evidence;
