-- Up Migration
-- Issue 26 item 13: repair conditions carry the day they come into force. A version published for
-- a later day is `scheduled` until its publication workflow puts it in force that day; each
-- version names the one it retired.
ALTER TABLE repair_rules DROP CONSTRAINT repair_rules_status_check;
ALTER TABLE repair_rules ADD CONSTRAINT repair_rules_status_check CHECK (status IN ('active', 'retired', 'scheduled'));
ALTER TABLE repair_rules
  ADD COLUMN effective_from date,
  ADD COLUMN retired integer REFERENCES repair_rules (version);
UPDATE repair_rules p SET effective_from = (p.activated_at AT TIME ZONE 'Asia/Shanghai')::date,
  retired = (SELECT max(version) FROM repair_rules r WHERE r.version < p.version);
-- An older release's publication (during a deploy) takes effect the day it is made.
ALTER TABLE repair_rules ALTER COLUMN effective_from SET DEFAULT (now() AT TIME ZONE 'Asia/Shanghai')::date,
  ALTER COLUMN effective_from SET NOT NULL;

-- Down Migration
DELETE FROM repair_rules WHERE status = 'scheduled';
ALTER TABLE repair_rules DROP COLUMN retired, DROP COLUMN effective_from;
ALTER TABLE repair_rules DROP CONSTRAINT repair_rules_status_check;
ALTER TABLE repair_rules ADD CONSTRAINT repair_rules_status_check CHECK (status IN ('active', 'retired'));
