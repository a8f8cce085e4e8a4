-- The state CHECK keeps `filed` (SQLite would need another rebuild to narrow it); no row is filed after this.
PRAGMA foreign_keys = OFF;
BEGIN;
UPDATE aid_applications SET state = 'closed' WHERE state = 'filed';
DROP INDEX aid_applications_unit_received_idx;
DROP INDEX aid_applications_centre_received_idx;
ALTER TABLE aid_applications DROP COLUMN decided_at;
ALTER TABLE aid_applications DROP COLUMN objection_note;
ALTER TABLE aid_applications DROP COLUMN objection_decision_note;
ALTER TABLE aid_applications DROP COLUMN resume_state;
ALTER TABLE aid_applications DROP COLUMN deadline_kind;
CREATE INDEX aid_applications_unit_received_idx ON aid_applications
    (unit_id, received_at, state, matter_category, green_channel, urgent, deadline_at);
CREATE INDEX aid_applications_centre_received_idx ON aid_applications
    (centre_id, received_at, unit_id, state, matter_category, green_channel, urgent, deadline_at);
ALTER TABLE aid_applicants DROP COLUMN safe_contact_means;
ALTER TABLE aid_applicants DROP COLUMN safe_contact_phone;
COMMIT;
PRAGMA foreign_keys = ON;
