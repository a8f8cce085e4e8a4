CREATE TABLE consultations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    staff_id BIGINT REFERENCES staff (id),
    duty_shift_id BIGINT REFERENCES duty_shifts (id) ON DELETE SET NULL,
    received_at TIMESTAMP NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('walk_in', 'phone', 'hotline12348', 'online', 'letter', 'home_visit')),
    site TEXT NOT NULL CHECK (site IN ('fixed_station', 'mobile_station', 'village', 'enterprise', 'home', 'remote')),
    place TEXT,
    person_name TEXT,
    sex TEXT CHECK (sex IN ('male', 'female')),
    age INTEGER CHECK (age BETWEEN 0 AND 150),
    age_group TEXT CHECK (age_group IN ('minor', 'adult', 'elderly')),
    birth_date DATE,
    id_number TEXT,
    phone TEXT,
    special_groups TEXT NOT NULL DEFAULT '',
    topics TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    answer TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('answered', 'referred_legal_aid', 'referred_mediation',
        'petition_resolved', 'referred_other_agency', 'pending')),
    matters_count INTEGER NOT NULL DEFAULT 1 CHECK (matters_count BETWEEN 1 AND 50),
    callback_consent BOOLEAN NOT NULL DEFAULT 0,
    review_state TEXT NOT NULL CHECK (review_state IN ('pending', 'approved', 'returned')),
    review_comment TEXT,
    reviewed_by TEXT,
    reviewed_at TIMESTAMP,
    review_requested_at TIMESTAMP NOT NULL,
    registered_by TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX consultations_unit_received_idx ON consultations (unit_id, received_at, id);
CREATE INDEX consultations_received_idx ON consultations (received_at, id);
CREATE INDEX consultations_id_number_idx ON consultations (id_number);
CREATE INDEX consultations_phone_idx ON consultations (phone);
CREATE INDEX consultations_review_idx ON consultations (review_state, review_requested_at, id);
CREATE INDEX consultations_staff_idx ON consultations (staff_id);
