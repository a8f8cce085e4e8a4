DROP INDEX IF EXISTS consultations_answer_trgm_idx;
DROP INDEX IF EXISTS consultations_question_trgm_idx;
