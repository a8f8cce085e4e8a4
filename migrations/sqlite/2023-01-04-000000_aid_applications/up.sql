CREATE TABLE aid_applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    centre_id BIGINT NOT NULL REFERENCES units (id),
    consultation_id BIGINT REFERENCES consultations (id),
    matter_category TEXT NOT NULL,
    case_type TEXT,
    opposing_party TEXT,
    facts TEXT NOT NULL,
    channel TEXT NOT NULL,
    hardship_check TEXT NOT NULL CHECK (hardship_check IN ('exempt', 'not_required', 'pledge', 'proof')),
    hardship_ground TEXT,
    preferred_provider_ids TEXT NOT NULL DEFAULT '',
    urgent BOOLEAN NOT NULL DEFAULT 0,
    urgent_ground TEXT,
    safe_contact BOOLEAN NOT NULL DEFAULT 0,
    green_channel BOOLEAN NOT NULL DEFAULT 0,
    green_reasons TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ('submitted', 'accepted', 'materials_requested', 'approved', 'rejected',
        'objection', 'objection_dismissed', 'assigned', 'agreement_signed', 'in_progress', 'closed',
        'terminated', 'withdrawn')),
    received_at TIMESTAMP NOT NULL,
    state_entered_at TIMESTAMP NOT NULL,
    review_paused_seconds BIGINT NOT NULL DEFAULT 0,
    materials_due_at TIMESTAMP,
    materials_list TEXT,
    decision_note TEXT,
    termination_ground TEXT,
    provider_staff_id BIGINT REFERENCES staff (id),
    assignment_note TEXT,
    deadline_at TIMESTAMP,
    priority INTEGER NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX aid_applications_unit_idx ON aid_applications (unit_id, id);
CREATE INDEX aid_applications_centre_idx ON aid_applications (centre_id, id);
CREATE INDEX aid_applications_queue_idx ON aid_applications (state, priority, deadline_at, id);
CREATE INDEX aid_applications_provider_idx ON aid_applications (provider_staff_id);

-- The applicant of each application (one row each; personal data).
CREATE TABLE aid_applicants (
    application_id BIGINT PRIMARY KEY REFERENCES aid_applications (id),
    name TEXT NOT NULL,
    id_number TEXT NOT NULL,
    birth_date DATE NOT NULL,
    sex TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    age INTEGER NOT NULL,
    phone TEXT,
    address TEXT,
    special_groups TEXT NOT NULL DEFAULT '',
    disabled BOOLEAN NOT NULL DEFAULT 0,
    guardian_name TEXT,
    guardian_relation TEXT,
    guardian_phone TEXT
);
CREATE INDEX aid_applicants_id_number_idx ON aid_applicants (id_number);

-- Later verification of a hardship pledge (Shanxi 告知承诺制): by letter or phone, the data
-- platform, or a home visit.
CREATE TABLE aid_hardship_verifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES aid_applications (id),
    method TEXT NOT NULL CHECK (method IN ('letter_or_phone', 'data_platform', 'home_visit')),
    result TEXT NOT NULL CHECK (result IN ('confirmed', 'not_confirmed')),
    note TEXT,
    verified_by TEXT NOT NULL,
    verified_at TIMESTAMP NOT NULL
);
CREATE INDEX aid_hardship_verifications_app_idx ON aid_hardship_verifications (application_id, id);
