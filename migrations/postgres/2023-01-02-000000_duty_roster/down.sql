DROP TABLE calendar_days;
DROP TABLE duty_shift_staff;
DROP TABLE duty_shifts;
DROP TABLE staff;
