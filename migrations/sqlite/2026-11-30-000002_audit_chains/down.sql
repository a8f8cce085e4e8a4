DROP INDEX audit_events_chain_idx;
ALTER TABLE audit_events DROP COLUMN caller_request_id;
ALTER TABLE audit_events DROP COLUMN key_id;
ALTER TABLE audit_events DROP COLUMN chain_seq;
ALTER TABLE audit_events DROP COLUMN chain_id;
CREATE TABLE audit_chain_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_chain_head (id, last_seq, last_hash)
SELECT 1, last_seq, last_hash FROM audit_chains WHERE id = 0;
INSERT INTO audit_chain_head (id, last_seq, last_hash)
SELECT 1, 0, '0000000000000000000000000000000000000000000000000000000000000000'
WHERE NOT EXISTS (SELECT 1 FROM audit_chain_head);
DROP TABLE audit_chains;
