-- Up Migration

-- Art. 20: objections to a record or to the score, each with its clocks in sla_stages.
CREATE TABLE objections (
  id            uuid PRIMARY KEY,
  person_id     uuid NOT NULL REFERENCES persons (id),
  record_id     uuid REFERENCES records (id),
  target        text NOT NULL CHECK (target IN ('record', 'score')),
  reason        text NOT NULL,
  evidence      jsonb NOT NULL DEFAULT '[]',
  received_on   date NOT NULL,
  received_at   timestamptz NOT NULL,
  filed_by      text NOT NULL,
  state         text NOT NULL CHECK (state IN ('open', 'decided', 'withdrawn')),
  path          text CHECK (path IN ('in-house', 'forwarded')),
  outcome       text CHECK (outcome IN ('uphold', 'correct', 'remove')),
  outcome_reasons text,
  decided_by    text,
  closed_at     timestamptz,
  CHECK ((target = 'record') = (record_id IS NOT NULL))
);
-- One open objection per record: a second is refused with the open one's id.
CREATE UNIQUE INDEX objections_one_open_per_record ON objections (record_id) WHERE state = 'open';
CREATE INDEX objections_person ON objections (person_id);

-- While an objection is open the record is marked disputed (it keeps counting: DOMAIN.md).
ALTER TABLE records ADD COLUMN disputed_by uuid;
ALTER TABLE record_history ADD COLUMN disputed_by uuid;

-- The human-task mechanism (DESIGN.md): context for the reviewer, claims, and an append-only trail.
ALTER TABLE tasks
  ADD COLUMN context jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN claimed_by text,
  ADD COLUMN claimed_at timestamptz;
CREATE TABLE task_events (
  task_id   uuid NOT NULL REFERENCES tasks (id),
  seq       integer NOT NULL,
  at        timestamptz NOT NULL,
  event     text NOT NULL CHECK (event IN ('created', 'claimed', 'released', 'completed', 'cancelled')),
  actor     text,
  detail    jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (task_id, seq)
);

-- Down Migration
DROP TABLE task_events;
ALTER TABLE tasks DROP COLUMN context, DROP COLUMN claimed_by, DROP COLUMN claimed_at;
ALTER TABLE record_history DROP COLUMN disputed_by;
ALTER TABLE records DROP COLUMN disputed_by;
DROP TABLE objections;
