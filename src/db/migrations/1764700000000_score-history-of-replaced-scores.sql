-- Up Migration

-- Art. 6: a score's history is every score it replaced; the current one is in scores. Until now
-- the history also held a copy of each current score, written with it: a first scoring of
-- everyone wrote every score twice. The copies of current scores go; each row names the
-- computation that replaced it (unknown for rows replaced before this).
DELETE FROM score_history h USING scores s
WHERE h.person_id = s.person_id AND h.scenario = s.scenario AND h.computed_by = s.computed_by;
ALTER TABLE score_history DROP COLUMN previous_level, ADD COLUMN superseded_by text;

-- Down Migration
ALTER TABLE score_history DROP COLUMN superseded_by, ADD COLUMN previous_level text;
INSERT INTO score_history (computed_by, person_id, scenario, model_id, score, level, on_day, computed_at)
SELECT computed_by, person_id, scenario, model_id, score, level, on_day, computed_at FROM scores
ON CONFLICT DO NOTHING;
