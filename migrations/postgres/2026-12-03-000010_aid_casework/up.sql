-- Casework in law: a case ends `filed` once its file is handed in; urgent aid and official
-- notices record when aid was decided; an objection keeps the applicant's own note and the
-- bureau's decision apart from the centre's reasons; a termination remembers the state aid
-- resumes in if the objection to it is upheld; the stored deadline keeps its kind, so the
-- figures group by it without re-deriving it from the state.
ALTER TABLE aid_applications DROP CONSTRAINT aid_applications_state_check;
ALTER TABLE aid_applications ADD CONSTRAINT aid_applications_state_check CHECK (state IN (
    'submitted', 'accepted', 'materials_requested', 'approved', 'rejected', 'objection',
    'objection_dismissed', 'assigned', 'agreement_signed', 'in_progress', 'closed', 'filed',
    'terminated', 'withdrawn'));
ALTER TABLE aid_applications ADD COLUMN decided_at TIMESTAMP;
ALTER TABLE aid_applications ADD COLUMN objection_note TEXT;
ALTER TABLE aid_applications ADD COLUMN objection_decision_note TEXT;
ALTER TABLE aid_applications ADD COLUMN resume_state TEXT;
ALTER TABLE aid_applications ADD COLUMN deadline_kind TEXT;
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
DROP INDEX aid_applications_unit_received_idx;
DROP INDEX aid_applications_centre_received_idx;
CREATE INDEX aid_applications_unit_received_idx ON aid_applications
    (unit_id, received_at, state, matter_category, green_channel, urgent, deadline_kind, deadline_at);
CREATE INDEX aid_applications_centre_received_idx ON aid_applications
    (centre_id, received_at, unit_id, state, matter_category, green_channel, urgent, deadline_kind, deadline_at);
-- Safe contact (domestic violence): how to reach the applicant safely, and the phone of that
-- channel; follow-ups use these, never the applicant's own phone.
ALTER TABLE aid_applicants ADD COLUMN safe_contact_means TEXT;
ALTER TABLE aid_applicants ADD COLUMN safe_contact_phone TEXT;
