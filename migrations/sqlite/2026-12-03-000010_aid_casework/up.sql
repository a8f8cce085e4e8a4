-- Casework in law: a case ends `filed` once its file is handed in; urgent aid and official
-- notices record when aid was decided; an objection keeps the applicant's own note and the
-- bureau's decision apart from the centre's reasons; a termination remembers the state aid
-- resumes in if the objection to it is upheld; the stored deadline keeps its kind, so the
-- figures group by it without re-deriving it from the state.
--
-- SQLite cannot widen the state's CHECK in place: the table is rebuilt as its documentation
-- prescribes (foreign keys off, new table, copy, drop, rename, indexes, check, commit).
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE aid_applications_new (
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
        'filed', 'terminated', 'withdrawn')),
    received_at TIMESTAMP NOT NULL,
    state_entered_at TIMESTAMP NOT NULL,
    review_paused_days INTEGER NOT NULL DEFAULT 0,
    materials_due_at TIMESTAMP,
    materials_list TEXT,
    decision_note TEXT,
    decided_at TIMESTAMP,
    objection_note TEXT,
    objection_decision_note TEXT,
    termination_ground TEXT,
    resume_state TEXT,
    provider_staff_id BIGINT REFERENCES staff (id),
    assignment_note TEXT,
    deadline_kind TEXT,
    deadline_at TIMESTAMP,
    priority INTEGER NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO aid_applications_new (id, unit_id, centre_id, consultation_id, matter_category,
    case_type, opposing_party, facts, channel, hardship_check, hardship_ground,
    preferred_provider_ids, urgent, urgent_ground, safe_contact, green_channel, green_reasons,
    state, received_at, state_entered_at, review_paused_days, materials_due_at, materials_list,
    decision_note, termination_ground, provider_staff_id, assignment_note, deadline_at, priority,
    version, created_at, updated_at)
SELECT id, unit_id, centre_id, consultation_id, matter_category, case_type, opposing_party,
    facts, channel, hardship_check, hardship_ground, preferred_provider_ids, urgent,
    urgent_ground, safe_contact, green_channel, green_reasons, state, received_at,
    state_entered_at, review_paused_days, materials_due_at, materials_list, decision_note,
    termination_ground, provider_staff_id, assignment_note, deadline_at, priority, version,
    created_at, updated_at
FROM aid_applications;
DROP TABLE aid_applications;
ALTER TABLE aid_applications_new RENAME TO aid_applications;
CREATE INDEX aid_applications_unit_idx ON aid_applications (unit_id, id);
CREATE INDEX aid_applications_centre_idx ON aid_applications (centre_id, id);
CREATE INDEX aid_applications_queue_idx ON aid_applications (state, priority, deadline_at, id);
CREATE INDEX aid_applications_provider_idx ON aid_applications (provider_staff_id);
CREATE INDEX aid_applications_unit_received_idx ON aid_applications
    (unit_id, received_at, state, matter_category, green_channel, urgent, deadline_kind, deadline_at);
CREATE INDEX aid_applications_centre_received_idx ON aid_applications
    (centre_id, received_at, unit_id, state, matter_category, green_channel, urgent, deadline_kind, deadline_at);
-- When aid was decided, from the trail (the step that decided it, the last such step).
UPDATE aid_applications SET decided_at = (
    SELECT max(e.occurred_at) FROM audit_events e
    WHERE e.entity = 'aid_application' AND e.entity_id = aid_applications.id
      AND e.action IN ('approve', 'reject', 'uphold_objection'));
-- The kind of each stored deadline, as the state gave it until now.
UPDATE aid_applications SET deadline_kind = CASE state
    WHEN 'submitted' THEN 'review' WHEN 'accepted' THEN 'review'
    WHEN 'materials_requested' THEN 'materials_reply' WHEN 'approved' THEN 'assignment'
    WHEN 'assigned' THEN 'agreement' WHEN 'objection' THEN 'objection'
    WHEN 'closed' THEN 'filing' END
WHERE deadline_at IS NOT NULL;
-- Safe contact (domestic violence): how to reach the applicant safely, and the phone of that
-- channel; follow-ups use these, never the applicant's own phone.
ALTER TABLE aid_applicants ADD COLUMN safe_contact_means TEXT;
ALTER TABLE aid_applicants ADD COLUMN safe_contact_phone TEXT;
PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
