DROP INDEX aid_applications_closed_idx;
DROP INDEX aid_applications_decided_idx;
DROP INDEX aid_applications_received_idx;
DROP TABLE aid_steps;
