-- Up Migration

-- A task is due when its SLA stage is: the inbox reads the stage's due time, which a calendar
-- change moves, instead of a copy taken when the task opened (kept for tasks opened before).
ALTER TABLE tasks ADD COLUMN sla_stage_key uuid REFERENCES sla_stages (stage_key);

-- Which worker scored a range of a full rescoring: ranges fan out across workers.
ALTER TABLE rescoring_ranges ADD COLUMN scored_by text;

-- Down Migration
ALTER TABLE rescoring_ranges DROP COLUMN scored_by;
ALTER TABLE tasks DROP COLUMN sla_stage_key;
