-- The written documents of aid cases (文书): issued at the steps that decide, each with a
-- reference number from a sequence per issuing unit (the centre, or the bureau for objection
-- decisions) and year that is never reused, and the text as it was issued.
CREATE TABLE aid_papers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES aid_applications (id),
    issuer_unit_id BIGINT NOT NULL REFERENCES units (id),
    kind TEXT NOT NULL,
    year INTEGER NOT NULL,
    seq BIGINT NOT NULL,
    reference TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    issuer TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    UNIQUE (issuer_unit_id, year, seq)
);
CREATE INDEX aid_papers_app_idx ON aid_papers (application_id, id);
