-- Up Migration
-- Art. 20, PIPL art. 24 (issue 26 item 9): an objection's outcome says what it changed: the
-- record (for an objection to the score, the one the decision named), its type, its new version
-- and status. NULL when it changed nothing (upheld, or decided before this column).
ALTER TABLE objections ADD COLUMN changed jsonb;

-- Down Migration
ALTER TABLE objections DROP COLUMN changed;
