-- Up Migration
-- PIPL art. 24: a person may ask for a human review of their score, an automated decision. It is
-- an objection against the score (Art. 20), named as such.
ALTER TABLE objections ADD COLUMN human_review boolean NOT NULL DEFAULT false,
  ADD CONSTRAINT objections_human_review_of_score CHECK (NOT human_review OR target = 'score');

-- Down Migration
ALTER TABLE objections DROP CONSTRAINT objections_human_review_of_score, DROP COLUMN human_review;
