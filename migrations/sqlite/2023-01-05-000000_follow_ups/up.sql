CREATE TABLE follow_ups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('consultation', 'aid_application')),
    subject_id BIGINT NOT NULL,
    staff_id BIGINT REFERENCES staff (id),
    due_on DATE NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('phone', 'on_site', 'sms', 'wechat', 'letter')),
    status TEXT NOT NULL CHECK (status IN ('open', 'done', 'unreachable')),
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    satisfaction TEXT CHECK (satisfaction IN ('very_satisfied', 'satisfied', 'basically_satisfied', 'unsatisfied')),
    comments TEXT,
    problem TEXT,
    rectification_due DATE,
    rectification_done_at TIMESTAMP,
    rectification_note TEXT,
    completed_at TIMESTAMP,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (subject_kind, subject_id)
);
CREATE INDEX follow_ups_due_idx ON follow_ups (status, due_on, id);
CREATE INDEX follow_ups_unit_idx ON follow_ups (unit_id, completed_at);

CREATE TABLE follow_up_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    follow_up_id BIGINT NOT NULL REFERENCES follow_ups (id),
    attempted_at TIMESTAMP NOT NULL,
    reached BOOLEAN NOT NULL,
    note TEXT,
    recorded_by TEXT NOT NULL
);
CREATE INDEX follow_up_attempts_idx ON follow_up_attempts (follow_up_id, id);
