-- Up Migration
-- Art. 12, 16, 17: incentives, each owned by the agency that implements it, versioned data: a new
-- definition becomes the next version and retires the one before. A rule says only who qualifies
-- for a benefit (src/domain/incentive.ts); there is no way to write one that takes anything away.
CREATE TABLE incentives (
  id             text NOT NULL CHECK (id ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  version        integer NOT NULL CHECK (version > 0),
  owner_agency   text NOT NULL REFERENCES agencies (id),
  status         text NOT NULL CHECK (status IN ('active', 'retired')),
  definition     jsonb NOT NULL,
  -- The definition's workflow: a retried definition finds its version.
  definition_id  uuid NOT NULL UNIQUE,
  defined_by     text NOT NULL,
  defined_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, version)
);
CREATE UNIQUE INDEX incentives_one_active ON incentives (id) WHERE status = 'active';

-- Down Migration
DROP TABLE incentives;
