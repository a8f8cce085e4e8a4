UPDATE change_snapshots SET resource = 'aid_application' WHERE resource = 'aid_work_entry';
