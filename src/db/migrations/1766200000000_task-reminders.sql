-- Up Migration
-- A supervisor acts on a task (issue 28): a reminder sent to whoever holds it is a step of the
-- task's trail like a claim; a release by a supervisor is a `released` step naming the claim it
-- ended in its detail.
ALTER TABLE task_events DROP CONSTRAINT task_events_event_check;
ALTER TABLE task_events ADD CONSTRAINT task_events_event_check CHECK (event IN ('created', 'claimed', 'released', 'reminded', 'completed', 'cancelled'));

-- Down Migration
DELETE FROM task_events WHERE event = 'reminded';
ALTER TABLE task_events DROP CONSTRAINT task_events_event_check;
ALTER TABLE task_events ADD CONSTRAINT task_events_event_check CHECK (event IN ('created', 'claimed', 'released', 'completed', 'cancelled'));
