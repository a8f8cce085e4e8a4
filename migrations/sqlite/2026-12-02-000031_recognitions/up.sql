-- Recognitions (附件1 举措10): model stations (a unit) and pioneer posts (a person) per year.
CREATE TABLE recognitions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    staff_id BIGINT REFERENCES staff (id),
    year INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('model_station', 'pioneer_post')),
    reason TEXT NOT NULL,
    recognised_on DATE NOT NULL,
    recognised_by TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX recognitions_day_idx ON recognitions (recognised_on, id);
CREATE INDEX recognitions_unit_idx ON recognitions (unit_id, year);
-- One recognition of a kind a year per unit (stations) or per person (posts).
CREATE UNIQUE INDEX recognitions_unit_once_idx ON recognitions (year, kind, unit_id) WHERE staff_id IS NULL;
CREATE UNIQUE INDEX recognitions_staff_once_idx ON recognitions (year, kind, staff_id) WHERE staff_id IS NOT NULL;
