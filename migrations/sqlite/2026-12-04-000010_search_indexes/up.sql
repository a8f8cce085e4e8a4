-- PostgreSQL serves text search of consultations with trigram indexes; SQLite (a county's
-- embedded database) keeps scanning, which at a county's size is quick.
SELECT 1;
