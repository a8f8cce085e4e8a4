-- One link between an account and its staff record: `users.staff_id`, which only admins set and
-- whose change ends the account's tokens. The older `staff.user_id`, which roster keepers could
-- set, is carried over where it names a record no account is linked to yet, and emptied. SQLite
-- cannot drop a column that takes part in a foreign key, so the column stays, empty; nothing
-- reads or writes it.
UPDATE users SET staff_id = (SELECT MIN(s.id) FROM staff s WHERE s.user_id = users.id)
WHERE staff_id IS NULL
  AND EXISTS (SELECT 1 FROM staff s WHERE s.user_id = users.id)
  AND NOT EXISTS (
      SELECT 1 FROM users other
      WHERE other.staff_id = (SELECT MIN(s.id) FROM staff s WHERE s.user_id = users.id)
  );
UPDATE staff SET user_id = NULL;
