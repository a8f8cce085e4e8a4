-- Text search of consultations (`q=`: a substring of the question or the answer) served by
-- trigram indexes instead of a scan of every row. pg_trgm ships with PostgreSQL and is a trusted
-- extension: the database's owner may create it. Where it cannot be created (a role without the
-- right), the search still works, by a scan, and the migration says so.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX consultations_question_trgm_idx ON consultations USING gin (question gin_trgm_ops);
    CREATE INDEX consultations_answer_trgm_idx ON consultations USING gin (answer gin_trgm_ops);
EXCEPTION WHEN insufficient_privilege OR undefined_file THEN
    RAISE NOTICE 'pg_trgm is not available (%): text search of consultations will scan', SQLERRM;
END
$$;
