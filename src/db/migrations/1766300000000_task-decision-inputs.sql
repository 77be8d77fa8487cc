-- Up Migration
-- What a task's decisions carry beyond their reasons (a record correction, a schedule of days),
-- as its workflow opened it, so that a page asks for exactly that (issue 28). Tasks opened before
-- this column are read by the rule their kinds followed (src/api/tasks/decision-inputs.ts).
ALTER TABLE tasks ADD COLUMN decision_inputs jsonb;

-- Down Migration
ALTER TABLE tasks DROP COLUMN decision_inputs;
