-- Up Migration
-- Art. 11 (issue 26 item 11): the platform routes a declaration to the competent agency by its
-- type and its issuer (an honour's awarding body, the organisation served, the charity); the
-- declarant names no one. NDRC sets the routes; issuer '' is a type's route for any other issuer.
CREATE TABLE declaration_routes (
  type_code  text NOT NULL REFERENCES record_types (code),
  issuer     text NOT NULL DEFAULT '',
  agency_id  text NOT NULL REFERENCES agencies (id),
  set_by     text NOT NULL,
  set_at     timestamptz NOT NULL,
  PRIMARY KEY (type_code, issuer)
);

-- Down Migration
DROP TABLE declaration_routes;
