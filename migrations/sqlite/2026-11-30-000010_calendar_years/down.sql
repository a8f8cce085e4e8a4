ALTER TABLE aid_applications ADD COLUMN review_paused_seconds BIGINT NOT NULL DEFAULT 0;
UPDATE aid_applications SET review_paused_seconds = review_paused_days * 86400;
ALTER TABLE aid_applications DROP COLUMN review_paused_days;
DROP TABLE calendar_years;
