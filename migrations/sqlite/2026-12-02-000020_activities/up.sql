-- Outreach and training (举措5, 6, 8, 9): lectures, legal check-ups, the themed tour, mobile
-- stations, publicity and training; topics and people as delimited lists (',a,b,').
CREATE TABLE activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    kind TEXT NOT NULL CHECK (kind IN ('legal_lecture', 'village_checkup', 'enterprise_checkup', 'themed_tour', 'mobile_station', 'publicity', 'training')),
    title TEXT NOT NULL,
    held_on DATE NOT NULL,
    place TEXT NOT NULL,
    topics TEXT NOT NULL,
    audience TEXT,
    audience_size INTEGER NOT NULL CHECK (audience_size >= 0),
    materials_count INTEGER NOT NULL CHECK (materials_count >= 0),
    staff_ids TEXT NOT NULL,
    notes TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX activities_unit_day_idx ON activities (unit_id, held_on, id);
CREATE INDEX activities_day_idx ON activities (held_on, id);
CREATE INDEX activities_updated_idx ON activities (updated_at);
