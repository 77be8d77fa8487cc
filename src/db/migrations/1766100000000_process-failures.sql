-- Up Migration
-- Processes in trouble are visible (issue 25): a workflow that fails for good (a failure no retry
-- can change) says so in Postgres before it ends, so that its own view, the SLA report and the
-- board show it as failed, never as open, and supervisors list it with its reason. The reason is
-- the failure's message, which names SQLSTATEs and rules, never data.
CREATE TABLE process_failures (
  workflow_id   text NOT NULL,
  run_id        text NOT NULL,
  workflow_type text NOT NULL,
  reason        text NOT NULL,
  failed_at     timestamptz NOT NULL,
  PRIMARY KEY (workflow_id, run_id)
);
CREATE INDEX process_failures_recent ON process_failures (failed_at DESC);

-- A failed process's clocks stop without being met: counted apart, neither open nor breached.
ALTER TABLE sla_stages DROP CONSTRAINT sla_stages_state_check;
ALTER TABLE sla_stages ADD CONSTRAINT sla_stages_state_check CHECK (state IN ('on-track', 'due-soon', 'breached', 'met', 'failed'));

-- Activities that keep failing and being retried (a worker's interceptor keeps one row per
-- workflow and activity while its attempts fail, from the fourth on, and removes it when one
-- succeeds), so that retrying for ever is never silent.
CREATE TABLE activity_retries (
  workflow_id   text NOT NULL,
  activity_id   text NOT NULL,
  workflow_type text NOT NULL,
  activity_type text NOT NULL,
  attempt       integer NOT NULL,
  last_failure  text NOT NULL,
  first_failed_at timestamptz NOT NULL,
  last_failed_at  timestamptz NOT NULL,
  PRIMARY KEY (workflow_id, activity_id)
);

-- Down Migration
DROP TABLE activity_retries;
UPDATE sla_stages SET state = 'breached' WHERE state = 'failed';
ALTER TABLE sla_stages DROP CONSTRAINT sla_stages_state_check;
ALTER TABLE sla_stages ADD CONSTRAINT sla_stages_state_check CHECK (state IN ('on-track', 'due-soon', 'breached', 'met'));
DROP TABLE process_failures;
