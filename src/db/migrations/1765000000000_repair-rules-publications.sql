-- Up Migration
-- A publication of repair rules is a workflow repair-rules/{publicationId}; the version is the
-- next one when it is stored, so a retried publication finds its row by this id.
ALTER TABLE repair_rules ADD COLUMN publication_id uuid UNIQUE;

-- Down Migration
ALTER TABLE repair_rules DROP COLUMN publication_id;
