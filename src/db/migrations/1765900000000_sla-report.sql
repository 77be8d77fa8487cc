-- Up Migration
-- The supervisors' SLA board (issue 13) counts stages by due time, per agency and process: an
-- index-only scan of this index at a million stages.
CREATE INDEX sla_stages_due ON sla_stages (due_at) INCLUDE (agency_id, process, state, finished_at);

-- Down Migration
DROP INDEX sla_stages_due;
