-- Up Migration

-- Bulk intake (Art. 10) stages a request's rows as sealed chunks and leaves checking and storing
-- to the batch workflow, one activity per chunk. A stored chunk lists its accepted rows (the great
-- majority, which a row each would cost a second table's worth of writes); intake_rows keeps the
-- outcome of every other row.
CREATE TABLE intake_chunks (
  batch_id    uuid NOT NULL REFERENCES intake_batches (id),
  chunk_no    integer NOT NULL,
  first_row   integer NOT NULL,
  rows        integer NOT NULL,
  -- The rows as gzipped NDJSON, sealed with AES-256-GCM because they hold identity numbers in clear;
  -- emptied in the transaction that stores the chunk.
  body        bytea,
  accepted    integer,
  refused     integer,
  duplicates  integer,
  -- The accepted rows, with their records and persons in the same order.
  accepted_rows integer[],
  record_ids  uuid[],
  person_ids  uuid[],
  -- Obligations (Art. 10) the chunk's records answered: told again if the chunk is retried.
  closed_obligations jsonb,
  stored_at   timestamptz,
  PRIMARY KEY (batch_id, chunk_no),
  CHECK ((body IS NULL) = (stored_at IS NOT NULL))
);
-- Compressed and sealed bytes, and lists of random ids, do not compress: skip the attempt, which
-- cost five times the rest of storing a chunk's outcome.
ALTER TABLE intake_chunks ALTER COLUMN body SET STORAGE EXTERNAL,
  ALTER COLUMN record_ids SET STORAGE EXTERNAL,
  ALTER COLUMN person_ids SET STORAGE EXTERNAL;

-- Rows still pending belong to batches staged the old way and never stored: they cannot be now.
DELETE FROM intake_rows WHERE outcome = 'pending';
ALTER TABLE intake_rows
  DROP COLUMN person_key,
  DROP COLUMN person_sealed,
  DROP COLUMN birth_date,
  DROP COLUMN category,
  DROP COLUMN type_code,
  DROP COLUMN formed_on,
  DROP COLUMN details,
  DROP COLUMN evidence,
  DROP COLUMN attestation,
  DROP CONSTRAINT intake_rows_outcome_check,
  -- 'accepted' only in batches stored before chunks existed; their rows stay readable.
  ADD CONSTRAINT intake_rows_outcome_check CHECK (outcome IN ('accepted', 'refused', 'duplicate'));
COMMENT ON COLUMN intake_rows.record_id IS 'accepted: the stored record; duplicate: the record shared before under its reference';
-- Per-row results are what a sharer is told about its batch: they survive a database crash.
ALTER TABLE intake_rows SET LOGGED;

ALTER TABLE intake_batches
  ADD COLUMN chunks integer NOT NULL DEFAULT 0,
  -- Set once every person with an accepted row has been notified and rescored (Art. 6).
  ADD COLUMN persons_answered_at timestamptz;

-- Like the sharer and the type, the person of a record is ensured set-based by whatever stores
-- it (persons are never deleted); the per-row trigger check cost a fifth of a bulk insert.
ALTER TABLE records DROP CONSTRAINT records_person_id_fkey;

-- A batch asks, chunk by chunk, which of its references an open obligation waits for.
CREATE INDEX obligations_open ON obligations (sharer_id, reference) WHERE state = 'open';

-- Down Migration
DROP INDEX obligations_open;
ALTER TABLE records ADD CONSTRAINT records_person_id_fkey FOREIGN KEY (person_id) REFERENCES persons (id);
ALTER TABLE intake_batches DROP COLUMN chunks, DROP COLUMN persons_answered_at;
ALTER TABLE intake_rows SET UNLOGGED;
ALTER TABLE intake_rows
  DROP CONSTRAINT intake_rows_outcome_check,
  ADD CONSTRAINT intake_rows_outcome_check CHECK (outcome IN ('pending', 'accepted', 'refused', 'duplicate')),
  ADD COLUMN person_key bytea,
  ADD COLUMN person_sealed bytea,
  ADD COLUMN birth_date date,
  ADD COLUMN category text,
  ADD COLUMN type_code text,
  ADD COLUMN formed_on date,
  ADD COLUMN details jsonb,
  ADD COLUMN evidence jsonb,
  ADD COLUMN attestation jsonb;
DROP TABLE intake_chunks;
