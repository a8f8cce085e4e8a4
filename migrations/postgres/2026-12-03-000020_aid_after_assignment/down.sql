DROP TABLE aid_subsidy_rates;
DROP TABLE aid_work_entries;
ALTER TABLE aid_applications DROP COLUMN reviewed_at;
ALTER TABLE aid_applications DROP COLUMN subsidy_fen;
ALTER TABLE aid_applications DROP COLUMN review_grade;
ALTER TABLE aid_applications DROP COLUMN closing_documents;
ALTER TABLE aid_applications DROP COLUMN amount_recovered_fen;
ALTER TABLE aid_applications DROP COLUMN closing_outcome;
ALTER TABLE aid_applications DROP COLUMN closed_at;
