CREATE TABLE staff (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('lawyer', 'grassroots_legal_worker', 'judicial_office_staff',
        'aid_centre_staff', 'service_centre_staff', 'mediator', 'notary', 'volunteer')),
    title TEXT,
    licence_no TEXT,
    phone TEXT,
    user_id BIGINT REFERENCES users (id),
    active BOOLEAN NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX staff_unit_idx ON staff (unit_id, id);

CREATE TABLE duty_shifts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    duty_date DATE NOT NULL,
    period TEXT NOT NULL CHECK (period IN ('full_day', 'morning', 'afternoon')),
    kind TEXT NOT NULL CHECK (kind IN ('station_duty', 'village_visit', 'enterprise_visit', 'mobile_station')),
    place TEXT,
    note TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX duty_shifts_date_idx ON duty_shifts (duty_date, id);
CREATE INDEX duty_shifts_unit_date_idx ON duty_shifts (unit_id, duty_date);

CREATE TABLE duty_shift_staff (
    shift_id BIGINT NOT NULL REFERENCES duty_shifts (id) ON DELETE CASCADE,
    staff_id BIGINT NOT NULL REFERENCES staff (id),
    PRIMARY KEY (shift_id, staff_id)
);
CREATE INDEX duty_shift_staff_staff_idx ON duty_shift_staff (staff_id);

-- Holidays and adjusted working days (调休); other days follow the week (Monday to Friday work).
CREATE TABLE calendar_days (
    day DATE PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The State Council's 2023 holiday schedule (国务院办公厅关于2023年部分节假日安排的通知).
INSERT INTO calendar_days (day, kind, name, updated_at) VALUES
    ('2022-12-31', 'holiday', '元旦', CURRENT_TIMESTAMP),
    ('2023-01-01', 'holiday', '元旦', CURRENT_TIMESTAMP),
    ('2023-01-02', 'holiday', '元旦', CURRENT_TIMESTAMP),
    ('2023-01-21', 'holiday', '春节', CURRENT_TIMESTAMP),
    ('2023-01-22', 'holiday', '春节', CURRENT_TIMESTAMP),
    ('2023-01-23', 'holiday', '春节', CURRENT_TIMESTAMP),
    ('2023-01-24', 'holiday', '春节', CURRENT_TIMESTAMP),
    ('2023-01-25', 'holiday', '春节', CURRENT_TIMESTAMP),
    ('2023-01-26', 'holiday', '春节', CURRENT_TIMESTAMP),
    ('2023-01-27', 'holiday', '春节', CURRENT_TIMESTAMP),
    ('2023-01-28', 'workday', '春节调休上班', CURRENT_TIMESTAMP),
    ('2023-01-29', 'workday', '春节调休上班', CURRENT_TIMESTAMP),
    ('2023-04-05', 'holiday', '清明节', CURRENT_TIMESTAMP),
    ('2023-04-23', 'workday', '劳动节调休上班', CURRENT_TIMESTAMP),
    ('2023-04-29', 'holiday', '劳动节', CURRENT_TIMESTAMP),
    ('2023-04-30', 'holiday', '劳动节', CURRENT_TIMESTAMP),
    ('2023-05-01', 'holiday', '劳动节', CURRENT_TIMESTAMP),
    ('2023-05-02', 'holiday', '劳动节', CURRENT_TIMESTAMP),
    ('2023-05-03', 'holiday', '劳动节', CURRENT_TIMESTAMP),
    ('2023-05-06', 'workday', '劳动节调休上班', CURRENT_TIMESTAMP),
    ('2023-06-22', 'holiday', '端午节', CURRENT_TIMESTAMP),
    ('2023-06-23', 'holiday', '端午节', CURRENT_TIMESTAMP),
    ('2023-06-24', 'holiday', '端午节', CURRENT_TIMESTAMP),
    ('2023-06-25', 'workday', '端午节调休上班', CURRENT_TIMESTAMP),
    ('2023-09-29', 'holiday', '中秋节、国庆节', CURRENT_TIMESTAMP),
    ('2023-09-30', 'holiday', '中秋节、国庆节', CURRENT_TIMESTAMP),
    ('2023-10-01', 'holiday', '中秋节、国庆节', CURRENT_TIMESTAMP),
    ('2023-10-02', 'holiday', '中秋节、国庆节', CURRENT_TIMESTAMP),
    ('2023-10-03', 'holiday', '中秋节、国庆节', CURRENT_TIMESTAMP),
    ('2023-10-04', 'holiday', '中秋节、国庆节', CURRENT_TIMESTAMP),
    ('2023-10-05', 'holiday', '中秋节、国庆节', CURRENT_TIMESTAMP),
    ('2023-10-06', 'holiday', '中秋节、国庆节', CURRENT_TIMESTAMP),
    ('2023-10-07', 'workday', '国庆节调休上班', CURRENT_TIMESTAMP),
    ('2023-10-08', 'workday', '国庆节调休上班', CURRENT_TIMESTAMP);
