-- Up Migration
-- Art. 4; Guobanfa [2025] 22 (issue 26 item 2): the tier belongs to the record. The sharing
-- agency classifies each negative record within the tiers its type allows; the type's `severity`
-- becomes the default tier. Each allowed tier carries its counting period in months (null: while
-- the record stays active, as the court's list), so the period follows the record's tier.
ALTER TABLE record_types
  ADD COLUMN tiers jsonb NOT NULL DEFAULT '{}',
  -- The detail naming the day counting starts, when it is not the formation: a criminal conviction
  -- counts from the day the sentence is served; until that day is known the record counts.
  ADD COLUMN counts_from text;

UPDATE record_types SET tiers = jsonb_build_object(severity, (extract(year FROM counts_for) * 12 + extract(month FROM counts_for))::int)
WHERE polarity = 'negative';

-- Types whose findings range over tiers (DOMAIN.md: minor 3 months, general 1 year, serious 3 years);
-- the default tier keeps the period the type had.
UPDATE record_types SET tiers = t.tiers::jsonb || record_types.tiers FROM (VALUES
  ('administrative-penalty', '{"minor": 3, "general": 12, "serious": 36}'),
  ('fee-refusal', '{"minor": 3, "general": 12}'),
  ('other-negative', '{"minor": 3, "general": 12}'),
  ('tax-refusal', '{"general": 12, "serious": 36}'),
  ('social-insurance-refusal', '{"general": 12, "serious": 36}')
) AS t (code, tiers) WHERE record_types.code = t.code;

ALTER TABLE record_types ADD CONSTRAINT record_types_default_tier_allowed
  CHECK ((polarity = 'negative') = (tiers <> '{}') AND (severity IS NULL OR tiers ? severity));

-- The kind of an administrative penalty: a warning or a circulated criticism is minor by default.
UPDATE record_types SET details = details || '[{"name": "penaltyKind", "kind": "choice", "required": false, "choices": ["warning", "circulated-criticism", "fine", "confiscation", "licence-suspension", "detention", "other"], "description": "the kind of penalty (a warning or a circulated criticism is minor unless the agency says otherwise)"}]'::jsonb
WHERE code = 'administrative-penalty';

-- Order 631 art. 16 by analogy: a conviction counts 5 years after the sentence is served.
UPDATE record_types SET counts_from = 'sentenceServedOn',
  details = details || '[{"name": "sentenceServedOn", "kind": "date", "required": false, "description": "the day the sentence was served; the conviction counts 5 years from it, and until it is known"}]'::jsonb
WHERE code = 'criminal-conviction';
-- A conviction stored before counted 5 years from its formation; it now counts until its sentence
-- is known served: its person is due for rescoring at the next night's run.
UPDATE scores SET next_change_on = current_date
WHERE person_id IN (SELECT person_id FROM records WHERE type_code = 'criminal-conviction' AND status = 'active')
  AND (next_change_on IS NULL OR next_change_on > current_date);

ALTER TABLE records ADD COLUMN tier text CHECK (tier IN ('minor', 'general', 'serious'));
ALTER TABLE record_history ADD COLUMN tier text;
UPDATE records r SET tier = t.severity FROM record_types t WHERE t.code = r.type_code AND t.polarity = 'negative';
UPDATE record_history r SET tier = t.severity FROM record_types t WHERE t.code = r.type_code AND t.polarity = 'negative';

-- Models give each further tier of a widened type its points (DOMAIN.md: minor -5 to -20,
-- general -30 to -50, serious -100 to -150); `points` stays the default tier's. No record had
-- another tier before this migration, so no score changes by it.
UPDATE score_models m SET definition = jsonb_set(m.definition, '{rules}', (
  SELECT jsonb_object_agg(rule.key, CASE WHEN jsonb_typeof(t.tiers) = 'object' AND (SELECT count(*) FROM jsonb_object_keys(t.tiers)) > 1
    THEN rule.value || jsonb_build_object('tierPoints', (
      SELECT jsonb_object_agg(tier, CASE tier WHEN 'minor' THEN -10 WHEN 'general' THEN -40 ELSE -120 END)
      FROM jsonb_object_keys(t.tiers) tier WHERE tier <> t.severity))
    ELSE rule.value END)
  FROM jsonb_each(m.definition->'rules') rule LEFT JOIN record_types t ON t.code = rule.key))
WHERE m.definition->'rules' <> '{}';

-- The day a record stops counting: its counting period from its formation, or from the day a
-- detail names (a conviction's sentence served; while unknown it counts); null while it counts
-- for as long as it is active, or when its agency kept it counting (Order 36).
CREATE FUNCTION counting_ends_on(formed_on date, details jsonb, counts_from text, counting interval, kept boolean) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN kept OR counting IS NULL THEN NULL
              WHEN counts_from IS NULL THEN (formed_on + counting)::date
              WHEN details->>counts_from IS NOT NULL THEN ((details->>counts_from)::date + counting)::date END
$$;

-- Down Migration
DROP FUNCTION counting_ends_on(date, jsonb, text, interval, boolean);
-- What the release before reads: models without tierPoints, the catalogue without the new details.
UPDATE score_models m SET definition = jsonb_set(m.definition, '{rules}', (
  SELECT jsonb_object_agg(rule.key, rule.value - 'tierPoints') FROM jsonb_each(m.definition->'rules') rule))
WHERE m.definition->'rules' <> '{}';
UPDATE record_types SET details = (SELECT coalesce(jsonb_agg(d), '[]') FROM jsonb_array_elements(details) d WHERE d->>'name' NOT IN ('penaltyKind', 'sentenceServedOn'))
WHERE code IN ('administrative-penalty', 'criminal-conviction');
ALTER TABLE record_history DROP COLUMN tier;
ALTER TABLE records DROP COLUMN tier;
ALTER TABLE record_types DROP CONSTRAINT record_types_default_tier_allowed;
ALTER TABLE record_types DROP COLUMN counts_from, DROP COLUMN tiers;
