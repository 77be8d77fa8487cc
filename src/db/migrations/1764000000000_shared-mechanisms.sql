-- Up Migration

-- The working-day clock (REQUIREMENTS.md "Working days"). A year is published once its
-- State Council notice is loaded; a deadline in a year without a row here is provisional.
CREATE TABLE calendar_years (
  year         integer PRIMARY KEY CHECK (year BETWEEN 1990 AND 2200),
  source       text NOT NULL,
  loaded_by    text NOT NULL,
  loaded_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE calendar_days (
  day             date PRIMARY KEY,
  is_working_day  boolean NOT NULL,
  -- 'state-council' for a loaded notice, 'admin-correction' for a single corrected day.
  source          text NOT NULL CHECK (source IN ('state-council', 'admin-correction')),
  note            text,
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Public credit information management entities (Art. 10) and market providers.
CREATE TABLE agencies (
  id          text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  name        text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('agency', 'provider')),
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Residents. The identity number is stored only encrypted (AES-GCM) and as a keyed hash
-- (HMAC-SHA-256) for lookup, never in clear (Art. 22).
CREATE TABLE persons (
  id                   uuid PRIMARY KEY,
  id_number_hash       bytea NOT NULL UNIQUE,
  id_number_encrypted  bytea NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now()
);

-- One row per clocked stage of a process (DESIGN.md "SLA stage").
CREATE TABLE sla_stages (
  stage_key       uuid PRIMARY KEY,
  workflow_id     text NOT NULL,
  process         text NOT NULL,
  stage           text NOT NULL,
  article         text NOT NULL,
  agency_id       text,
  responsible     text NOT NULL,
  start_day       date NOT NULL,
  working_days    integer NOT NULL CHECK (working_days > 0),
  started_at      timestamptz NOT NULL,
  due_at          timestamptz NOT NULL,
  remind_at       timestamptz NOT NULL,
  provisional     boolean NOT NULL,
  state           text NOT NULL CHECK (state IN ('on-track', 'due-soon', 'breached', 'met')),
  reminded_at     timestamptz,
  breached_at     timestamptz,
  finished_at     timestamptz
);
-- The calendar workflow finds every open clock through this index.
CREATE INDEX sla_stages_open ON sla_stages (workflow_id) WHERE finished_at IS NULL;
CREATE INDEX sla_stages_process_state ON sla_stages (process, state);

-- Human tasks (DESIGN.md "Human task"): a workflow waits on a Workflow Update for each.
CREATE TABLE tasks (
  id                 uuid PRIMARY KEY,
  workflow_id        text NOT NULL,
  process            text NOT NULL,
  kind               text NOT NULL,
  role               text NOT NULL,
  agency_id          text REFERENCES agencies (id),
  assignee           text,
  subject            text NOT NULL,
  due_at             timestamptz,
  allowed_decisions  text[] NOT NULL CHECK (cardinality(allowed_decisions) > 0),
  state              text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'claimed', 'completed', 'cancelled')),
  decision           jsonb,
  completed_by       text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  completed_at       timestamptz
);
CREATE INDEX tasks_inbox ON tasks (role, agency_id, state, due_at);

-- Art. 22: every read of a person's data is registered, and the register is append-only.
CREATE TABLE query_log (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  actor_role   text NOT NULL,
  actor_id     text NOT NULL,
  person_id    uuid NOT NULL,
  purpose      text NOT NULL,
  legal_basis  text NOT NULL
);
CREATE INDEX query_log_person ON query_log (person_id, at);

CREATE FUNCTION query_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'query_log is append-only (Art. 22)';
END;
$$;
CREATE TRIGGER query_log_append_only BEFORE UPDATE OR DELETE ON query_log
  FOR EACH ROW EXECUTE FUNCTION query_log_is_append_only();

-- The notification outbox. The id is the idempotency key a workflow derives, so a retried
-- activity never sends twice.
CREATE TABLE notifications (
  id              text PRIMARY KEY,
  recipient_role  text NOT NULL,
  recipient_id    text,
  kind            text NOT NULL,
  workflow_id     text,
  body            jsonb NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz
);
CREATE INDEX notifications_unsent ON notifications (created_at) WHERE sent_at IS NULL;

-- Down Migration
DROP TABLE notifications;
DROP TRIGGER query_log_append_only ON query_log;
DROP FUNCTION query_log_is_append_only();
DROP TABLE query_log;
DROP TABLE tasks;
DROP TABLE sla_stages;
DROP TABLE persons;
DROP TABLE agencies;
DROP TABLE calendar_days;
DROP TABLE calendar_years;
