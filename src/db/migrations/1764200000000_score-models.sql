-- Up Migration

-- Art. 4, 13, 14: indicator models are data, versioned, one active per scenario.
CREATE TABLE score_models (
  id              text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9-]{1,40}-v[0-9]+$'),
  scenario        text NOT NULL CHECK (scenario ~ '^[a-z][a-z0-9-]{1,40}$'),
  version         integer NOT NULL CHECK (version > 0),
  status          text NOT NULL CHECK (status IN ('draft', 'public-comment', 'active', 'retired')),
  definition      jsonb NOT NULL,
  description     text NOT NULL,
  comment_from    date,
  comment_until   date,
  effective_from  date,
  created_by      text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  activated_at    timestamptz,
  retired_at      timestamptz,
  UNIQUE (scenario, version)
);
CREATE UNIQUE INDEX score_models_one_active ON score_models (scenario) WHERE status = 'active';

-- The current score of each person in each scenario, and every score ever given (Art. 6).
-- No foreign keys: scores are computed from persons and an active model in the statement that
-- writes them, and per-row key checks would double the cost of a full rescoring.
CREATE TABLE scores (
  person_id    uuid NOT NULL,
  scenario     text NOT NULL,
  model_id     text NOT NULL,
  score        integer NOT NULL,
  level        text NOT NULL,
  on_day       date NOT NULL,
  computed_at  timestamptz NOT NULL,
  computed_by  text NOT NULL,
  PRIMARY KEY (person_id, scenario)
);

-- Keyed by the computation that wrote it, so a resumed run never scores a person twice; the key
-- leads with the person, so it also serves a person's history.
CREATE TABLE score_history (
  computed_by  text NOT NULL,
  person_id    uuid NOT NULL,
  scenario     text NOT NULL,
  model_id     text NOT NULL,
  score        integer NOT NULL,
  level        text NOT NULL,
  previous_level text,
  on_day       date NOT NULL,
  computed_at  timestamptz NOT NULL,
  PRIMARY KEY (person_id, scenario, computed_by)
);


CREATE TABLE rescoring_runs (
  id              text PRIMARY KEY,
  scenarios       text[] NOT NULL,
  on_day          date NOT NULL,
  started_at      timestamptz NOT NULL,
  finished_at     timestamptz,
  persons_scored  bigint NOT NULL DEFAULT 0,
  level_changes   bigint NOT NULL DEFAULT 0,
  out_of_scope    bigint NOT NULL DEFAULT 0
);

-- Each range of a run, written in the transaction that scored it: the run's summary adds these
-- up, so a range retried after a crash is counted once.
CREATE TABLE rescoring_ranges (
  run_id         text NOT NULL REFERENCES rescoring_runs (id),
  after_id       uuid NOT NULL,
  up_to          uuid NOT NULL,
  persons        integer NOT NULL,
  scored         integer NOT NULL,
  level_changes  integer NOT NULL,
  out_of_scope   integer NOT NULL,
  PRIMARY KEY (run_id, after_id)
);

INSERT INTO score_models (id, scenario, version, status, definition, description, effective_from, created_by, activated_at) VALUES
  ('base-v1', 'base', 1, 'active', '{"baseScore": 1000, "levels": [{"level": "AAA", "min": 1050}, {"level": "AA", "min": 1030}, {"level": "A", "min": 960}, {"level": "B", "min": 850}, {"level": "C", "min": 600}, {"level": "D", "min": null}], "categoryCaps": {"honours": 60, "social-contribution": 60}, "rules": {"honour-national": {"points": 30}, "honour-provincial": {"points": 20}, "honour-municipal": {"points": 10}, "honour-district": {"points": 5}, "volunteering": {"points": 1, "perUnit": {"field": "hours", "size": 10}, "yearlyCap": 20}, "blood-donation": {"points": 10}, "organ-donation": {"points": 10}, "charitable-donation": {"points": 1, "perUnit": {"field": "amountYuan", "size": 1000}, "yearlyCap": 20}, "emergency-rescue": {"points": 20}, "civilised-practice": {"points": 2, "yearlyCap": 10}, "joint-reward-list": {"points": 20}, "other-positive": {"points": 5}, "fee-refusal": {"points": -10}, "other-negative": {"points": -5}, "administrative-penalty": {"points": -30}, "administrative-enforcement": {"points": -30}, "false-materials-commitment": {"points": -40}, "false-materials-public-order": {"points": -50}, "government-affairs-dishonesty": {"points": -50}, "tax-refusal": {"points": -50}, "social-insurance-refusal": {"points": -40}, "exam-cheating": {"points": -40}, "joint-punishment-list": {"points": -150}, "deregistration-to-evade-penalty": {"points": -120}, "market-ban": {"points": -120}, "illegal-fundraising": {"points": -150}, "research-fraud": {"points": -100}, "court-dishonest-debtor": {"points": -150}, "criminal-conviction": {"points": -200}}}'::jsonb,
   'Default base model of DOMAIN.md: base 1000, Rongcheng-style levels, tier periods of Guobanfa [2025] No. 22; points are our own, to be confirmed by NDRC.',
   '2026-01-01', 'platform default', now()),
  ('lending-v1', 'lending', 1, 'active', '{"baseScore": 1000, "levels": [{"level": "AAA", "min": 1050}, {"level": "AA", "min": 1030}, {"level": "A", "min": 960}, {"level": "B", "min": 850}, {"level": "C", "min": 600}, {"level": "D", "min": null}], "categoryCaps": {"honours": 60, "social-contribution": 60}, "rules": {"honour-national": {"points": 30}, "honour-provincial": {"points": 20}, "honour-municipal": {"points": 10}, "honour-district": {"points": 5}, "volunteering": {"points": 1, "perUnit": {"field": "hours", "size": 10}, "yearlyCap": 20}, "blood-donation": {"points": 10}, "organ-donation": {"points": 10}, "charitable-donation": {"points": 1, "perUnit": {"field": "amountYuan", "size": 1000}, "yearlyCap": 20}, "emergency-rescue": {"points": 20}, "civilised-practice": {"points": 2, "yearlyCap": 10}, "joint-reward-list": {"points": 20}, "other-positive": {"points": 5}, "fee-refusal": {"points": -20}, "other-negative": {"points": -5}, "administrative-penalty": {"points": -30}, "administrative-enforcement": {"points": -30}, "false-materials-commitment": {"points": -40}, "false-materials-public-order": {"points": -50}, "government-affairs-dishonesty": {"points": -50}, "tax-refusal": {"points": -100}, "social-insurance-refusal": {"points": -80}, "exam-cheating": {"points": -80}, "joint-punishment-list": {"points": -150}, "deregistration-to-evade-penalty": {"points": -120}, "market-ban": {"points": -120}, "illegal-fundraising": {"points": -300}, "research-fraud": {"points": -200}, "court-dishonest-debtor": {"points": -150}, "criminal-conviction": {"points": -200}, "loan-overdue": {"points": -60}, "loan-repaid-on-time": {"points": 10, "yearlyCap": 40}}}'::jsonb,
   'Default lending scenario (Art. 14, 18): the base model with promise-keeping and market information weighted double.',
   '2026-01-01', 'platform default', now());

-- Down Migration
DROP TABLE rescoring_ranges;
DROP TABLE rescoring_runs;
DROP TABLE score_history;
DROP TABLE scores;
DROP TABLE score_models;
