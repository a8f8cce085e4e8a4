-- Monthly reports (四(二)): one per unit and period; every submission kept as a revision.
CREATE TABLE monthly_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    period TEXT NOT NULL,
    first_submitted_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    late BOOLEAN NOT NULL,
    revisions INTEGER NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (unit_id, period)
);
CREATE INDEX monthly_reports_period_idx ON monthly_reports (period, unit_id);
CREATE INDEX monthly_reports_updated_idx ON monthly_reports (updated_at);

CREATE TABLE monthly_report_revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id BIGINT NOT NULL REFERENCES monthly_reports (id),
    revision INTEGER NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    late BOOLEAN NOT NULL,
    submitted_by TEXT NOT NULL,
    figures TEXT NOT NULL,
    highlights TEXT NOT NULL,
    typical_cases TEXT NOT NULL,
    activity_briefs TEXT NOT NULL,
    UNIQUE (report_id, revision)
);
