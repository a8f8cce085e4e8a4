-- The years whose holiday schedule the calendar holds: a legal period that ends in a year not
-- listed here cannot be computed (its holidays are unknown). The service installs the published
-- schedules it knows at start-up (src/domain/calendar/schedules.rs); 2023's days came with the
-- duty roster.
CREATE TABLE calendar_years (
    year INTEGER PRIMARY KEY,
    notice TEXT NOT NULL,
    issued_on DATE NOT NULL,
    installed_at TIMESTAMP NOT NULL
);

-- The review period stands still in whole days (Civil Code Art. 201: periods count days), not
-- seconds: a day begun counts as a day the period stood still.
ALTER TABLE aid_applications ADD COLUMN review_paused_days INTEGER NOT NULL DEFAULT 0;
UPDATE aid_applications SET review_paused_days = (review_paused_seconds + 86399) / 86400;
ALTER TABLE aid_applications DROP COLUMN review_paused_seconds;
