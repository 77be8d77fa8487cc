-- Up Migration
-- Art. 15, 18: registered requesters (banks, employers, landlords, other cities' platforms) read a
-- person's score only under the person's authorization: one purpose, one scenario, until a time.
ALTER TABLE agencies DROP CONSTRAINT agencies_kind_check;
ALTER TABLE agencies ADD CONSTRAINT agencies_kind_check CHECK (kind IN ('agency', 'provider', 'requester'));

CREATE TABLE authorizations (
  id            uuid PRIMARY KEY,
  person_id     uuid NOT NULL REFERENCES persons (id),
  requester_id  text NOT NULL REFERENCES agencies (id),
  purpose       text NOT NULL CHECK (purpose IN ('lending', 'employment', 'tenancy')),
  scenario      text NOT NULL,
  valid_until   timestamptz NOT NULL,
  granted_by    text NOT NULL,
  granted_at    timestamptz NOT NULL,
  state         text NOT NULL CHECK (state IN ('active', 'expired', 'revoked')),
  ended_at      timestamptz,
  CHECK ((state = 'active') = (ended_at IS NULL))
);
CREATE INDEX authorizations_person ON authorizations (person_id, granted_at);
CREATE INDEX authorizations_requester ON authorizations (requester_id, granted_at);

-- Down Migration
DROP TABLE authorizations;
DELETE FROM agencies WHERE kind = 'requester';
ALTER TABLE agencies DROP CONSTRAINT agencies_kind_check;
ALTER TABLE agencies ADD CONSTRAINT agencies_kind_check CHECK (kind IN ('agency', 'provider'));
