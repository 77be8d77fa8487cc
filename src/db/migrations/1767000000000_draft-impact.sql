-- Up Migration
-- Art. 13 (issue 26 item 7): when a draft goes to public comment, what it would change over the
-- whole city, aggregated and never per person: the transition matrix of levels (today -> under
-- the draft) and the rules that drive the moves. Shown to NDRC with the draft and to the public.
CREATE TABLE model_impacts (
  model_id     text PRIMARY KEY REFERENCES score_models (id),
  on_day       date NOT NULL,
  persons      integer NOT NULL,
  matrix       jsonb NOT NULL,
  drivers      jsonb NOT NULL,
  computed_at  timestamptz NOT NULL,
  seconds      numeric NOT NULL
);

-- Down Migration
DROP TABLE model_impacts;
