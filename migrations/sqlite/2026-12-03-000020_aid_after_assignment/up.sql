-- After assignment: how the case ended (the outcome, the amount recovered, the documents handed
-- in), the centre's closing review (a quality grade and the case subsidy it computes from the
-- rate table), the provider's work log, and the rate table admins keep.
ALTER TABLE aid_applications ADD COLUMN closed_at TIMESTAMP;
ALTER TABLE aid_applications ADD COLUMN closing_outcome TEXT;
ALTER TABLE aid_applications ADD COLUMN amount_recovered_fen BIGINT CHECK (amount_recovered_fen >= 0);
ALTER TABLE aid_applications ADD COLUMN closing_documents TEXT;
ALTER TABLE aid_applications ADD COLUMN review_grade TEXT;
ALTER TABLE aid_applications ADD COLUMN subsidy_fen BIGINT;
ALTER TABLE aid_applications ADD COLUMN reviewed_at TIMESTAMP;
-- When each closed case was closed, from the trail.
UPDATE aid_applications SET closed_at = (
    SELECT max(e.occurred_at) FROM audit_events e
    WHERE e.entity = 'aid_application' AND e.entity_id = aid_applications.id
      AND e.action = 'close');

CREATE TABLE aid_work_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES aid_applications (id),
    kind TEXT NOT NULL,
    done_on DATE NOT NULL,
    note TEXT NOT NULL,
    termination_ground TEXT,
    provider_staff_id BIGINT REFERENCES staff (id),
    recorded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX aid_work_entries_app_idx ON aid_work_entries (application_id, done_on, id);

-- The case subsidy (办案补贴) per year, matter and quality grade, in fen.
CREATE TABLE aid_subsidy_rates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    year INTEGER NOT NULL,
    matter_category TEXT NOT NULL,
    grade TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0),
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (year, matter_category, grade)
);
