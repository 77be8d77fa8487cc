-- Up Migration
-- Art. 13 (issue 26 item 6): a model under public comment is readable by anyone, and anyone may
-- comment on it; NDRC reads and exports the comments, activates a model only once its comment
-- period has ended, and the activation takes effect on its effective day. Each model carries the
-- record of how it was adopted.
CREATE TABLE model_comments (
  id            uuid PRIMARY KEY,
  model_id      text NOT NULL REFERENCES score_models (id),
  comment       text NOT NULL,
  author_role   text NOT NULL,
  -- A resident's platform id, or an organisation's subject: never a token's subject for a person.
  author        text NOT NULL,
  submitted_at  timestamptz NOT NULL
);
CREATE INDEX model_comments_model ON model_comments (model_id, submitted_at);

ALTER TABLE score_models ADD COLUMN adoption text;
ALTER TABLE score_models ADD COLUMN activated_by text;

UPDATE score_models SET adoption = 'Seeded with the platform (migration 1764200000000) as the default model of DOMAIN.md; its public comment was held before the platform ran, so none is recorded here'
WHERE id IN ('base-v1', 'lending-v1');

-- Down Migration
ALTER TABLE score_models DROP COLUMN activated_by;
ALTER TABLE score_models DROP COLUMN adoption;
DROP TABLE model_comments;
