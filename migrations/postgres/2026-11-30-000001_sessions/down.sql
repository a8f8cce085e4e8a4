DROP TABLE login_throttles;
DROP TABLE sessions;
DROP INDEX users_external_subject_idx;
DROP INDEX users_staff_idx;
ALTER TABLE users DROP COLUMN external_subject;
ALTER TABLE users DROP COLUMN staff_id;
ALTER TABLE users DROP COLUMN token_version;
