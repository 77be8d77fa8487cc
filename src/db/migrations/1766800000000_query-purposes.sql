-- Up Migration
-- Art. 12, 15, 18 (issue 26 item 4): the purposes a third party may query a score for are data
-- NDRC publishes and versions, each with its legal basis, the scenarios it may read and what it
-- discloses of them; only requesters registered for a purpose may use it. The seeded catalogue
-- holds lending alone (Art. 18: the pilot commercial banks). Employment and tenancy are no
-- purposes: a low score must never become a reason to refuse a job or a home (Art. 12).
CREATE TABLE query_purposes (
  code          text NOT NULL CHECK (code ~ '^[a-z][a-z0-9-]{1,39}$'),
  version       integer NOT NULL CHECK (version > 0),
  legal_basis   text NOT NULL,
  description   text NOT NULL,
  scenarios     text[] NOT NULL CHECK (cardinality(scenarios) > 0),
  discloses     text[] NOT NULL CHECK (cardinality(discloses) > 0 AND discloses <@ ARRAY['score', 'level']),
  -- A version published with in_force false withdraws the purpose: no query under it is answered.
  in_force      boolean NOT NULL,
  published_by  text NOT NULL,
  published_at  timestamptz NOT NULL,
  PRIMARY KEY (code, version)
);

CREATE TABLE purpose_registrations (
  purpose        text NOT NULL,
  requester_id   text NOT NULL REFERENCES agencies (id),
  registered_by  text NOT NULL,
  registered_at  timestamptz NOT NULL,
  PRIMARY KEY (purpose, requester_id)
);

INSERT INTO query_purposes (code, version, legal_basis, description, scenarios, discloses, in_force, published_by, published_at) VALUES
  ('lending', 1, 'Art. 15, 18', 'Credit decisions of the pilot commercial banks, with the person''s authorization: the lending score and level', ARRAY['lending'], ARRAY['score', 'level'], true, 'migration 1766800000000', now());

-- The requesters registered before purposes were data queried for lending, the only purpose kept.
INSERT INTO purpose_registrations (purpose, requester_id, registered_by, registered_at)
SELECT 'lending', id, 'migration 1766800000000', now() FROM agencies WHERE kind = 'requester';

ALTER TABLE authorizations DROP CONSTRAINT authorizations_purpose_check;
ALTER TABLE authorizations ADD COLUMN purpose_version integer;

-- A change of the catalogue or of who may use it changes what every cached query may answer.
CREATE TRIGGER read_views_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON query_purposes FOR EACH STATEMENT EXECUTE FUNCTION notify_read_views_of_everyone();
CREATE TRIGGER read_views_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON purpose_registrations FOR EACH STATEMENT EXECUTE FUNCTION notify_read_views_of_everyone();

-- Down Migration
ALTER TABLE authorizations DROP COLUMN purpose_version;
ALTER TABLE authorizations ADD CONSTRAINT authorizations_purpose_check CHECK (purpose IN ('lending', 'employment', 'tenancy'));
DROP TABLE purpose_registrations;
DROP TABLE query_purposes;
