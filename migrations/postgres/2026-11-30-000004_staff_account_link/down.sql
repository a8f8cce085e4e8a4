ALTER TABLE staff ADD COLUMN user_id BIGINT REFERENCES users (id);
UPDATE staff SET user_id = (SELECT u.id FROM users u WHERE u.staff_id = staff.id);
