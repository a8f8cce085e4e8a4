DROP TABLE idempotency_keys;
DROP TRIGGER audit_events_no_delete;
DROP TRIGGER audit_events_no_update;
DROP TABLE audit_chain_head;
DROP TABLE audit_events;
DROP TABLE users;
DROP TABLE unit_targets;
DROP TABLE units;
