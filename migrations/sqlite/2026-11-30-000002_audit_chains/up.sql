-- The trail becomes one chain per county (or per unit above county level, or the service's own
-- chain 0), each with its head, so that writes of different counties never wait on one another.
-- Events carry their chain, their sequence in it, the key that binds them and the caller's
-- request id beside the server's.
CREATE TABLE audit_chains (
    -- The chain's root unit (0: the service's own chain: seeding, command line, earlier events).
    id BIGINT PRIMARY KEY,
    last_seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_chains (id, last_seq, last_hash)
SELECT 0, last_seq, last_hash FROM audit_chain_head WHERE id = 1;
DROP TABLE audit_chain_head;

ALTER TABLE audit_events ADD COLUMN chain_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_events ADD COLUMN chain_seq BIGINT NOT NULL DEFAULT 0;
-- Events written before keys: bound by the unkeyed SHA-256 link ('legacy').
ALTER TABLE audit_events ADD COLUMN key_id TEXT NOT NULL DEFAULT 'legacy';
ALTER TABLE audit_events ADD COLUMN caller_request_id TEXT;
DROP TRIGGER audit_events_no_update;
UPDATE audit_events SET chain_seq = id;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE UNIQUE INDEX audit_events_chain_idx ON audit_events (chain_id, chain_seq);
