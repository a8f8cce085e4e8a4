DROP TABLE follow_up_attempts;
DROP TABLE follow_ups;
