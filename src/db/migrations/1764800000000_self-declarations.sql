-- Up Migration

-- Art. 11: honours and social contribution a person declares, verified by the competent agency
-- in the workflow `declaration/{id}`. An accepted one becomes a record of source 'self-declared'
-- that the verifying agency answers for; a rejected one stays here with its reasons.
CREATE TABLE declarations (
  id             uuid PRIMARY KEY,
  person_id      uuid NOT NULL REFERENCES persons (id),
  verifier_id    text NOT NULL REFERENCES agencies (id),
  category       text NOT NULL CHECK (category IN ('honours', 'social-contribution')),
  type_code      text NOT NULL REFERENCES record_types (code),
  formed_on      date NOT NULL,
  details        jsonb NOT NULL,
  evidence       jsonb NOT NULL,
  -- The declarant's authorization of the verification (Art. 11), given with the declaration.
  authorized_at  timestamptz NOT NULL,
  filed_by       text NOT NULL,
  state          text NOT NULL CHECK (state IN ('verifying', 'accepted', 'rejected', 'withdrawn')),
  record_id      uuid REFERENCES records (id),
  decision_reasons text,
  decided_by     text,
  closed_at      timestamptz,
  CHECK ((state = 'accepted') = (record_id IS NOT NULL))
);
-- One declaration of a type and day at a time: a second is refused with the open one's id.
CREATE UNIQUE INDEX declarations_one_open ON declarations (person_id, type_code, formed_on) WHERE state = 'verifying';
CREATE INDEX declarations_person ON declarations (person_id);

-- Down Migration
DROP TABLE declarations;
