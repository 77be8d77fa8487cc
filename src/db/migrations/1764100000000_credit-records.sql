-- Up Migration

-- Art. 3: what agencies holding identity information (Art. 9(1)) have confirmed about a person.
-- The birth date comes from the identity number itself; scoring needs it set-based.
ALTER TABLE persons
  ADD COLUMN birth_date date NOT NULL,
  ADD COLUMN residency text CHECK (residency IN ('household', 'residence-permit', 'non-local')),
  ADD COLUMN residence_permit_valid_until date,
  ADD COLUMN civil_capacity text CHECK (civil_capacity IN ('full', 'limited', 'none')),
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- The catalogue of record types (Art. 8, 9; DOMAIN.md): data, so NDRC can extend it without a release.
CREATE TABLE record_types (
  code         text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9-]{1,62}$'),
  category     text NOT NULL CHECK (category IN ('identity', 'honours', 'social-contribution', 'law-abiding',
                                                  'administrative', 'promise-keeping', 'other', 'market')),
  polarity     text NOT NULL CHECK (polarity IN ('positive', 'negative', 'neutral')),
  severity     text CHECK (severity IN ('minor', 'general', 'serious')),
  -- How long a record counts from its formation; NULL while a listing lasts (e.g. the court's list).
  counts_for   interval,
  repairable   boolean NOT NULL,
  description  text NOT NULL,
  CHECK ((polarity = 'negative') = (severity IS NOT NULL))
);

INSERT INTO record_types (code, category, polarity, severity, counts_for, repairable, description) VALUES
  ('household-registration', 'identity', 'neutral', NULL, NULL, false, 'Local household registration (户籍)'),
  ('residence-permit', 'identity', 'neutral', NULL, NULL, false, 'Residence permit (居住证) with its validity'),
  ('civil-capacity', 'identity', 'neutral', NULL, NULL, false, 'Civil capacity as established by a court or civil affairs'),
  ('honour-national', 'honours', 'positive', NULL, '3 years', false, 'National honour or award'),
  ('honour-provincial', 'honours', 'positive', NULL, '3 years', false, 'Provincial honour or award'),
  ('honour-municipal', 'honours', 'positive', NULL, '3 years', false, 'Municipal honour or award'),
  ('honour-district', 'honours', 'positive', NULL, '3 years', false, 'District honour or award'),
  ('volunteering', 'social-contribution', 'positive', NULL, '2 years', false, 'Verified volunteer service hours'),
  ('blood-donation', 'social-contribution', 'positive', NULL, '2 years', false, 'Unpaid blood donation'),
  ('organ-donation', 'social-contribution', 'positive', NULL, '2 years', false, 'Unpaid organ or tissue donation'),
  ('charitable-donation', 'social-contribution', 'positive', NULL, '2 years', false, 'Charitable donation'),
  ('emergency-rescue', 'social-contribution', 'positive', NULL, '2 years', false, 'Emergency rescue'),
  ('civilised-practice', 'social-contribution', 'positive', NULL, '2 years', false, 'Civilised practice (文明实践)'),
  ('court-dishonest-debtor', 'law-abiding', 'negative', 'serious', NULL, true, 'On the court list of dishonest judgment debtors'),
  ('criminal-conviction', 'law-abiding', 'negative', 'serious', '5 years', false, 'Criminal conviction by an effective judgment'),
  ('false-materials-public-order', 'law-abiding', 'negative', 'general', '1 year', true, 'False materials or concealment harming public order'),
  ('government-affairs-dishonesty', 'law-abiding', 'negative', 'general', '1 year', true, 'Government-affairs dishonesty'),
  ('registration', 'administrative', 'neutral', NULL, NULL, false, 'Registration or filing reflecting basic circumstances'),
  ('administrative-licence', 'administrative', 'neutral', NULL, NULL, false, 'Administrative licence'),
  ('false-materials-commitment', 'administrative', 'negative', 'general', '1 year', true, 'False materials or a broken commitment in administration'),
  ('administrative-penalty', 'administrative', 'negative', 'general', '1 year', true, 'Administrative penalty under the general procedure'),
  ('administrative-enforcement', 'administrative', 'negative', 'general', '1 year', true, 'Administrative compulsory enforcement'),
  ('joint-reward-list', 'administrative', 'positive', NULL, '3 years', false, 'On a joint reward list for trustworthiness'),
  ('joint-punishment-list', 'administrative', 'negative', 'serious', '3 years', true, 'On a joint punishment list for dishonesty'),
  ('deregistration-to-evade-penalty', 'administrative', 'negative', 'serious', '3 years', true, 'Deregistered a business to evade an administrative penalty'),
  ('market-ban', 'administrative', 'negative', 'serious', '3 years', true, 'Market or industry ban'),
  ('illegal-fundraising', 'promise-keeping', 'negative', 'serious', '3 years', true, 'Seriously dishonest person in illegal fundraising'),
  ('tax-refusal', 'promise-keeping', 'negative', 'general', '1 year', true, 'Refused to pay taxes due'),
  ('social-insurance-refusal', 'promise-keeping', 'negative', 'general', '1 year', true, 'Refused to pay social-insurance premiums'),
  ('fee-refusal', 'promise-keeping', 'negative', 'minor', '3 months', true, 'Refused to pay administrative fees or government funds'),
  ('exam-cheating', 'promise-keeping', 'negative', 'general', '1 year', true, 'Cheating in a national or provincial examination'),
  ('research-fraud', 'promise-keeping', 'negative', 'serious', '3 years', true, 'Fraud in research or title evaluation'),
  ('other-positive', 'other', 'positive', NULL, '1 year', false, 'Other positive information under laws and state rules'),
  ('other-negative', 'other', 'negative', 'minor', '3 months', true, 'Other negative information under laws and state rules'),
  ('loan-repaid-on-time', 'market', 'positive', NULL, '2 years', false, 'Loan repaid as agreed (market information)'),
  ('loan-overdue', 'market', 'negative', 'general', '1 year', true, 'Loan overdue (market information)');

-- The obligation of Art. 10: information formed on a day must be shared within 7 working days.
-- Its clock is the SLA stage of the workflow `record-sharing/{sharer}/{reference}`.
CREATE TABLE obligations (
  workflow_id     text PRIMARY KEY,
  sharer_id       text NOT NULL REFERENCES agencies (id),
  reference       text NOT NULL,
  formed_on       date NOT NULL,
  state           text NOT NULL CHECK (state IN ('open', 'shared', 'withdrawn')),
  shared_late     boolean,
  withdrawn_reason text,
  opened_at       timestamptz NOT NULL,
  closed_at       timestamptz,
  UNIQUE (sharer_id, reference)
);

-- The current version of every record. Records are never deleted: a correction or revocation
-- moves the version it replaces to record_history first.
-- sharer_id and type_code carry no foreign key: bulk intake checks both set-based in the
-- transaction that inserts, and a per-row trigger check would cost a third of the insert.
CREATE TABLE records (
  id           uuid PRIMARY KEY,
  sharer_id    text NOT NULL,
  reference    text NOT NULL,
  person_id    uuid NOT NULL REFERENCES persons (id),
  category     text NOT NULL,
  type_code    text NOT NULL,
  source       text NOT NULL CHECK (source IN ('public-agency', 'market-provider', 'self-declared')),
  formed_on    date NOT NULL,
  shared_at    timestamptz NOT NULL,
  shared_late  boolean NOT NULL,
  status       text NOT NULL CHECK (status IN ('active', 'revoked')),
  version      integer NOT NULL,
  details      jsonb NOT NULL,
  evidence     jsonb NOT NULL,
  attestation  jsonb,
  changed_by   text NOT NULL,
  change_reason text,
  UNIQUE (sharer_id, reference)
);
CREATE INDEX records_person ON records (person_id);

CREATE TABLE record_history (LIKE records);
ALTER TABLE record_history ADD COLUMN superseded_at timestamptz NOT NULL DEFAULT now(),
  ADD PRIMARY KEY (id, version);

-- Art. 6: a record change asks for the person's rescoring. Until scoring runs, the request is
-- kept here, naming the workflow that will answer it.
CREATE TABLE rescore_requests (
  id             text PRIMARY KEY,
  person_id      uuid NOT NULL REFERENCES persons (id),
  reason         text NOT NULL,
  requested_by   text NOT NULL,
  answered_by    text NOT NULL,
  requested_at   timestamptz NOT NULL DEFAULT now(),
  answered_at    timestamptz
);
CREATE INDEX rescore_requests_pending ON rescore_requests (person_id) WHERE answered_at IS NULL;

-- Bulk intake: rows parsed by the API are staged here and stored by the batch workflow, which
-- passes only the batch id through Temporal (payloads stay small).
CREATE TABLE intake_batches (
  id           uuid PRIMARY KEY,
  sharer_id    text NOT NULL REFERENCES agencies (id),
  source       text NOT NULL,
  rows         integer NOT NULL,
  received_by  text NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  accepted     integer,
  refused      integer,
  duplicates   integer
);

CREATE UNLOGGED TABLE intake_rows (
  batch_id        uuid NOT NULL,
  row_no          integer NOT NULL,
  -- 'pending' after parsing; 'accepted', 'refused' or 'duplicate' once the batch ran.
  outcome         text NOT NULL CHECK (outcome IN ('pending', 'accepted', 'refused', 'duplicate')),
  field           text,
  reason          text,
  reference       text,
  person_key      bytea,
  person_sealed   bytea,
  birth_date      date,
  category        text,
  type_code       text,
  formed_on       date,
  details         jsonb,
  evidence        jsonb,
  attestation     jsonb,
  record_id       uuid,
  PRIMARY KEY (batch_id, row_no)
);

-- Down Migration
DROP TABLE intake_rows;
DROP TABLE intake_batches;
DROP TABLE rescore_requests;
DROP TABLE record_history;
DROP TABLE records;
DROP TABLE obligations;
DROP TABLE record_types;
ALTER TABLE persons DROP COLUMN birth_date, DROP COLUMN residency, DROP COLUMN residence_permit_valid_until,
  DROP COLUMN civil_capacity, DROP COLUMN updated_at;
