CREATE TABLE units (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id BIGINT REFERENCES units (id),
    path TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('province_department', 'city_bureau', 'county_bureau',
        'public_legal_service_centre', 'legal_aid_centre', 'judicial_office', 'law_firm',
        'grassroots_legal_service_office', 'village_workstation')),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    address TEXT,
    phone TEXT,
    opening_hours TEXT,
    accessibility TEXT NOT NULL DEFAULT '',
    accessibility_note TEXT,
    active BOOLEAN NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX units_path_idx ON units (path);
CREATE INDEX units_parent_idx ON units (parent_id);

CREATE TABLE unit_targets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    year INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    consultations INTEGER CHECK (consultations >= 0),
    satisfaction_permille INTEGER CHECK (satisfaction_permille BETWEEN 0 AND 1000),
    aid_cases INTEGER CHECK (aid_cases >= 0),
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (unit_id, year)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'unit_staff', 'aid_officer', 'provider',
        'auditor', 'integration')),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    active BOOLEAN NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX users_unit_idx ON users (unit_id);

-- The audit trail: append-only, ids are the chain's sequence numbers (no gaps, no reuse).
CREATE TABLE audit_events (
    id BIGINT PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    actor_id BIGINT,
    actor TEXT NOT NULL,
    role TEXT,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BIGINT,
    unit_id BIGINT,
    request_id TEXT NOT NULL,
    before_data TEXT,
    after_data TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_entity_idx ON audit_events (entity, entity_id);
CREATE INDEX audit_events_unit_idx ON audit_events (unit_id, id);

-- One row that every write locks first: it serialises appends to the hash chain.
CREATE TABLE audit_chain_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_chain_head (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The trail may only grow.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TABLE idempotency_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    actor TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    operation TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (actor, idem_key)
);
