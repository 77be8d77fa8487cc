-- Up Migration
-- A completeness check that finds something missing asks the applicant to supply it (DOMAIN.md,
-- issue 26 item 8): the repair waits in `supplementing`, and keeps each request with what was
-- supplied for it ({requestedAt, missing, until, suppliedAt, evidence}).
ALTER TABLE repairs DROP CONSTRAINT repairs_state_check;
ALTER TABLE repairs ADD CONSTRAINT repairs_state_check CHECK (state IN ('collecting', 'checking', 'supplementing', 'deciding', 'approved', 'rejected', 'withdrawn', 'expired', 'moot'));
ALTER TABLE repairs ADD COLUMN supplements jsonb NOT NULL DEFAULT '[]';

-- Down Migration
ALTER TABLE repairs DROP COLUMN supplements;
UPDATE repairs SET state = 'checking' WHERE state = 'supplementing';
ALTER TABLE repairs DROP CONSTRAINT repairs_state_check;
ALTER TABLE repairs ADD CONSTRAINT repairs_state_check CHECK (state IN ('collecting', 'checking', 'deciding', 'approved', 'rejected', 'withdrawn', 'expired', 'moot'));
