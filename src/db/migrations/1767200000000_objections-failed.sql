-- Up Migration
-- An objection whose workflow failed for good is closed as failed: it no longer holds its record
-- disputed, nor the one open objection a record may have, so its person may object again.
ALTER TABLE objections DROP CONSTRAINT objections_state_check;
ALTER TABLE objections ADD CONSTRAINT objections_state_check CHECK (state IN ('open', 'decided', 'withdrawn', 'failed'));
UPDATE records r SET disputed_by = NULL FROM objections o, process_failures f
WHERE f.workflow_id = 'objection/' || o.id AND o.state = 'open' AND r.id = o.record_id AND r.disputed_by = o.id;
UPDATE objections o SET state = 'failed', closed_at = f.failed_at FROM process_failures f WHERE f.workflow_id = 'objection/' || o.id AND o.state = 'open';

-- Down Migration
UPDATE objections SET state = 'open', closed_at = NULL WHERE state = 'failed';
ALTER TABLE objections DROP CONSTRAINT objections_state_check;
ALTER TABLE objections ADD CONSTRAINT objections_state_check CHECK (state IN ('open', 'decided', 'withdrawn'));
