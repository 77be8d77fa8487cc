-- Up Migration

-- Guobanfa [2020] No. 49: every piece of dishonesty information rests on a named law, regulation
-- or central document. Each negative type carries its legal basis; a repair refusal cites it.
ALTER TABLE record_types ADD COLUMN legal_basis text;
UPDATE record_types t SET legal_basis = b.basis FROM (VALUES
  ('court-dishonest-debtor', '最高人民法院关于公布失信被执行人名单信息的若干规定'),
  ('criminal-conviction', '中华人民共和国刑法; 信用修复管理办法 (NDRC Order No. 36): not repairable'),
  ('false-materials-public-order', '中华人民共和国治安管理处罚法'),
  ('government-affairs-dishonesty', '国务院关于加强政务诚信建设的指导意见 (Guofa [2016] No. 76)'),
  ('false-materials-commitment', '中华人民共和国行政许可法 art. 78, 79'),
  ('administrative-penalty', '中华人民共和国行政处罚法'),
  ('administrative-enforcement', '中华人民共和国行政强制法'),
  ('joint-punishment-list', '国务院关于建立完善守信联合激励和失信联合惩戒制度的指导意见 (Guofa [2016] No. 33)'),
  ('deregistration-to-evade-penalty', '中华人民共和国市场主体登记管理条例'),
  ('market-ban', '中华人民共和国行政处罚法 art. 9'),
  ('illegal-fundraising', '防范和处置非法集资条例'),
  ('tax-refusal', '中华人民共和国税收征收管理法'),
  ('social-insurance-refusal', '中华人民共和国社会保险法'),
  ('fee-refusal', '政府非税收入管理办法'),
  ('exam-cheating', '国家教育考试违规处理办法'),
  ('research-fraud', '科研失信行为调查处理规则'),
  ('other-negative', 'the law, regulation or central document the sharing agency names'),
  ('loan-overdue', '征信业管理条例 (State Council Order No. 631)')
) AS b (code, basis) WHERE t.code = b.code;
ALTER TABLE record_types ADD CONSTRAINT record_types_negative_has_legal_basis CHECK (polarity <> 'negative' OR legal_basis IS NOT NULL);

-- Art. 21: a repaired record stops counting from the decision and stays for audit.
ALTER TABLE records DROP CONSTRAINT records_status_check;
ALTER TABLE records ADD CONSTRAINT records_status_check CHECK (status IN ('active', 'revoked', 'repaired'));

-- The repair conditions (DOMAIN.md "Credit repair"; RepairRules in src/domain/repair.ts), versioned:
-- NDRC replaces them without a release, and each repair keeps the version it was filed under.
CREATE TABLE repair_rules (
  version       integer PRIMARY KEY CHECK (version > 0),
  status        text NOT NULL CHECK (status IN ('active', 'retired')),
  definition    jsonb NOT NULL,
  description   text NOT NULL,
  created_by    text NOT NULL,
  activated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX repair_rules_one_active ON repair_rules (status) WHERE status = 'active';
INSERT INTO repair_rules (version, status, definition, description, created_by) VALUES (1, 'active', '{
  "commitment": {
    "version": "2026-04",
    "text": "本人承诺所提交的信用修复申请材料真实、准确、完整，已纠正失信行为、履行相关义务；如有虚假或违背承诺，愿承担相应法律责任并接受信用惩戒。"
  },
  "minimumMonths": {"minor": 0, "general": 3, "serious": 12},
  "routes": {
    "performance": {"tiers": ["minor", "general", "serious"]},
    "deferral": {"tiers": ["minor", "general", "serious"], "maxInstalments": 12},
    "volunteering": {"unit": "hours", "tiers": {"minor": {"threshold": 10, "windowDays": 90}, "general": {"threshold": 20, "windowDays": 90}}},
    "donation": {"unit": "yuan", "tiers": {"minor": {"threshold": 500, "windowDays": 90}, "general": {"threshold": 1000, "windowDays": 90}}},
    "civilised-practice": {"unit": "events", "tiers": {"minor": {"threshold": 2, "windowDays": 90}, "general": {"threshold": 4, "windowDays": 90}}}
  },
  "clocks": {"platformWorkingDays": 10, "agencyWorkingDays": 3, "confirmationWorkingDays": 5}
}'::jsonb, 'Order 36 periods and clocks [rule]; Jinan route thresholds and the confirmation clock [ours], DOMAIN.md', 'migration');

-- Repairs (workflow `repair/{id}`): one open per record.
CREATE TABLE repairs (
  id                 uuid PRIMARY KEY,
  person_id          uuid NOT NULL REFERENCES persons (id),
  record_id          uuid NOT NULL REFERENCES records (id),
  rules_version      integer NOT NULL REFERENCES repair_rules (version),
  tier               text NOT NULL CHECK (tier IN ('minor', 'general', 'serious')),
  route              text NOT NULL CHECK (route IN ('performance', 'deferral', 'volunteering', 'donation', 'civilised-practice')),
  terms              jsonb NOT NULL,
  decider_id         text NOT NULL,
  maximum_ends_on    date,
  commitment_version text NOT NULL,
  committed_at       timestamptz NOT NULL,
  filed_by           text NOT NULL,
  filed_on           date NOT NULL,
  -- collecting: the route's evidence; checking: NDRC checks the complete application; deciding: the agency decides.
  state              text NOT NULL CHECK (state IN ('collecting', 'checking', 'deciding', 'approved', 'rejected', 'withdrawn', 'expired', 'moot')),
  progress           numeric NOT NULL DEFAULT 0,
  instalments        jsonb,
  obligation_unmet   boolean NOT NULL DEFAULT false,
  outcome_reasons    text,
  decided_by         text,
  closed_at          timestamptz
);
CREATE UNIQUE INDEX repairs_one_open_per_record ON repairs (record_id) WHERE closed_at IS NULL;
CREATE INDEX repairs_person ON repairs (person_id);

-- The civilised-behaviour database's feed (Art. 21): volunteer hours, donations and civilised
-- practice, each event once whatever the feed replays.
CREATE TABLE civic_events (
  event_id     text PRIMARY KEY,
  person_id    uuid NOT NULL REFERENCES persons (id),
  kind         text NOT NULL CHECK (kind IN ('volunteering', 'donation', 'civilised-practice')),
  amount       numeric NOT NULL CHECK (amount > 0),
  occurred_on  date NOT NULL,
  fed_by       text NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  record_id    uuid REFERENCES records (id)
);
CREATE INDEX civic_events_person ON civic_events (person_id, kind, occurred_on);

-- What each civic event counted toward a repair: once per event and repair.
CREATE TABLE repair_evidence (
  repair_id   uuid NOT NULL REFERENCES repairs (id),
  event_id    text NOT NULL REFERENCES civic_events (event_id),
  amount      numeric NOT NULL,
  counted_at  timestamptz NOT NULL,
  PRIMARY KEY (repair_id, event_id)
);

-- Down Migration
DROP TABLE repair_evidence;
DROP TABLE civic_events;
DROP TABLE repairs;
DROP TABLE repair_rules;
ALTER TABLE records DROP CONSTRAINT records_status_check;
ALTER TABLE records ADD CONSTRAINT records_status_check CHECK (status IN ('active', 'revoked'));
ALTER TABLE record_types DROP CONSTRAINT record_types_negative_has_legal_basis;
ALTER TABLE record_types DROP COLUMN legal_basis;
