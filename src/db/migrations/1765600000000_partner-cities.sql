-- Up Migration
-- Art. 19: mutual recognition. Partner cities' platforms sign attestations of their residents'
-- levels; their public key sets and the mapping of their levels onto ours are data.
CREATE TABLE partner_cities (
  id             text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  name           text NOT NULL,
  -- The `iss` of the partner's attestations.
  issuer         text NOT NULL UNIQUE,
  -- A JWKS ({"keys": [...]}) of the partner's public keys, old ones included until they expire.
  jwks           jsonb NOT NULL,
  -- Their level -> our base level.
  level_mapping  jsonb NOT NULL,
  updated_by     text NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE partner_cities;
