-- Entries of a case's work log were kept in the change feed as changes of the application,
-- whose snapshot is not an application (read as a deletion): they are their own kind.
UPDATE change_snapshots SET resource = 'aid_work_entry'
WHERE resource = 'aid_application'
  AND audit_event_id IN (SELECT id FROM audit_events WHERE action = 'log_work');
