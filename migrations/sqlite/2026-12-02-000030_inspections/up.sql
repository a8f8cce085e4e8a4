-- Supervision (附件1 举措3, 8): spot checks of the system, monthly meetings and quarterly on-site
-- inspections, recorded by the inspecting unit (`unit_id`, whose subtree reads them), with the
-- units inspected, the checklist of an on-site inspection and the rectification required.
CREATE TABLE inspections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    kind TEXT NOT NULL CHECK (kind IN ('spot_check', 'monthly_meeting', 'on_site_inspection')),
    held_on DATE NOT NULL,
    staff_id BIGINT REFERENCES staff (id),
    inspectors TEXT,
    summary TEXT,
    findings TEXT,
    rectification_required BOOLEAN NOT NULL,
    rectification_due DATE,
    rectification_done_on DATE,
    rectification_done_by TEXT,
    rectification_note TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (rectification_required OR (rectification_due IS NULL AND rectification_done_on IS NULL))
);
CREATE INDEX inspections_unit_day_idx ON inspections (unit_id, held_on, id);
CREATE INDEX inspections_day_idx ON inspections (held_on, id);
CREATE INDEX inspections_open_rectification_idx ON inspections (rectification_due)
    WHERE rectification_required AND rectification_done_on IS NULL;

CREATE TABLE inspection_units (
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    PRIMARY KEY (inspection_id, unit_id)
);
CREATE INDEX inspection_units_unit_idx ON inspection_units (unit_id, inspection_id);

CREATE TABLE inspection_checks (
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    item TEXT NOT NULL CHECK (item IN ('public_awareness', 'site_layout', 'signage', 'duties_posted', 'system_supervision', 'records_true_complete', 'timely_review', 'files_complete', 'follow_up_satisfaction')),
    passed BOOLEAN NOT NULL,
    note TEXT,
    PRIMARY KEY (inspection_id, item)
);
