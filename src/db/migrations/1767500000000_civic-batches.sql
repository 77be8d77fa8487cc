-- Up Migration
-- Issue 27 item 2: the civilised-behaviour feed is taken a request at a time, as one batch
-- workflow. Each event names the batch that kept it, so a retried step finds its own events
-- (and tells them from events fed before, which change nothing).
ALTER TABLE civic_events ADD COLUMN fed_in text;
CREATE INDEX civic_events_fed_in ON civic_events (fed_in) WHERE fed_in IS NOT NULL;

-- Down Migration
DROP INDEX civic_events_fed_in;
ALTER TABLE civic_events DROP COLUMN fed_in;
