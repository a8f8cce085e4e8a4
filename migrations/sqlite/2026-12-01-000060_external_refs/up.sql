-- The caller's own reference of a consultation or aid application (e.g. the province's record
-- number): unique per account that set it, one per record.
CREATE TABLE external_refs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL CHECK (entity IN ('consultation', 'aid_application')),
    entity_id BIGINT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    external_ref TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX external_refs_owner_ref_idx ON external_refs (owner_id, entity, external_ref);
CREATE UNIQUE INDEX external_refs_entity_idx ON external_refs (entity, entity_id);
CREATE INDEX external_refs_ref_idx ON external_refs (entity, external_ref);
