UPDATE staff SET user_id = (SELECT u.id FROM users u WHERE u.staff_id = staff.id);
