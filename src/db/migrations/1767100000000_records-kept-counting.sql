-- Up Migration
-- Order 36, issue 26 item 8: when a record's maximum period ends with its obligation unmet, the
-- agency decides under its sector rules; a decision that the record stays (the repair rejected)
-- keeps it counting past its period, until it is revoked or repaired. The repair workflow that
-- decided so is named here.
ALTER TABLE records ADD COLUMN kept_counting_by text;

-- Down Migration
ALTER TABLE records DROP COLUMN kept_counting_by;
