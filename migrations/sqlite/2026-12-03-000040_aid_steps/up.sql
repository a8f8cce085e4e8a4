-- The steps of aid cases as the ledger reads them: when each workflow step was taken, and for
-- a step that completes a period of the law (the review, the assignment, the agreement, the
-- objection's decision, the filing, the closing review, the materials reply), when that period
-- fell due and whether the step met it; recorded in the step's own transaction.
CREATE TABLE aid_steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES aid_applications (id),
    action TEXT NOT NULL,
    state_after TEXT NOT NULL,
    taken_at TIMESTAMP NOT NULL,
    period_kind TEXT,
    due_date DATE,
    due_at TIMESTAMP,
    met BOOLEAN
);
CREATE INDEX aid_steps_app_idx ON aid_steps (application_id, id);
-- The ledger's date filters.
CREATE INDEX aid_applications_received_idx ON aid_applications (received_at, id);
CREATE INDEX aid_applications_decided_idx ON aid_applications (decided_at);
CREATE INDEX aid_applications_closed_idx ON aid_applications (closed_at);
-- The steps taken before this table existed, from the audit trail (their periods were not
-- recorded then: whether they met them is left unknown).
INSERT INTO aid_steps (application_id, action, state_after, taken_at)
SELECT audit_events.entity_id, audit_events.action, json_extract(audit_events.after_data, '$.state'), audit_events.occurred_at
FROM audit_events
WHERE audit_events.entity = 'aid_application'
  AND audit_events.after_data IS NOT NULL
  AND json_extract(audit_events.after_data, '$.state') IS NOT NULL
  AND audit_events.action IN ('accept', 'request_materials', 'receive_materials', 'approve',
      'reject', 'object', 'uphold_objection', 'dismiss_objection', 'assign', 'sign_agreement',
      'start', 'close', 'file', 'terminate', 'withdraw', 'change_provider', 'review')
  AND EXISTS (SELECT 1 FROM aid_applications WHERE aid_applications.id = audit_events.entity_id)
ORDER BY audit_events.id;
