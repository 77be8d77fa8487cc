-- Up Migration
-- Art. 22 and PIPL art. 55-56: the register of every read of a person's data is kept at least
-- three years. It is partitioned by month (Asia/Shanghai), so a month older than that can be
-- detached and archived whole; the platform never updates, deletes or truncates a row.
ALTER TABLE query_log RENAME TO query_log_unpartitioned;
ALTER INDEX query_log_person RENAME TO query_log_unpartitioned_person;
ALTER TABLE query_log_unpartitioned RENAME CONSTRAINT query_log_granted_names_person TO query_log_unpartitioned_granted_names_person;
DROP TRIGGER query_log_append_only ON query_log_unpartitioned;

CREATE SEQUENCE query_log_ids AS bigint;
SELECT setval('query_log_ids', coalesce((SELECT max(id) FROM query_log_unpartitioned), 0) + 1, false);

CREATE TABLE query_log (
  id            bigint NOT NULL DEFAULT nextval('query_log_ids'),
  at            timestamptz NOT NULL DEFAULT now(),
  actor_role    text NOT NULL,
  actor_id      text NOT NULL,
  actor_agency  text,
  person_id     uuid,
  purpose       text NOT NULL,
  legal_basis   text NOT NULL,
  outcome       text NOT NULL DEFAULT 'granted' CHECK (outcome IN ('granted', 'refused')),
  subject       text,
  CONSTRAINT query_log_granted_names_person CHECK (outcome = 'refused' OR person_id IS NOT NULL),
  PRIMARY KEY (at, id)
) PARTITION BY RANGE (at);
ALTER SEQUENCE query_log_ids OWNED BY query_log.id;
CREATE INDEX query_log_person ON query_log (person_id, at);
CREATE INDEX query_log_actor ON query_log (actor_id, at);

-- Row triggers on the partitioned table reach every partition; TRUNCATE is refused on each.
CREATE TRIGGER query_log_append_only BEFORE UPDATE OR DELETE ON query_log
  FOR EACH ROW EXECUTE FUNCTION query_log_is_append_only();
CREATE TRIGGER query_log_no_truncate BEFORE TRUNCATE ON query_log
  FOR EACH STATEMENT EXECUTE FUNCTION query_log_is_append_only();

-- The months from `from_month` through `through_month` get their partitions (those missing);
-- returns how many were created. The register's upkeep runs it daily, a year ahead.
CREATE FUNCTION query_log_ensure_partitions(from_month date, through_month date) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  month date := date_trunc('month', from_month)::date;
  partition text;
  created integer := 0;
BEGIN
  WHILE month <= through_month LOOP
    partition := format('query_log_%s', to_char(month, 'YYYY_MM'));
    IF to_regclass(partition) IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF query_log FOR VALUES FROM (%L) TO (%L)', partition,
        month::timestamp AT TIME ZONE 'Asia/Shanghai', (month + interval '1 month')::timestamp AT TIME ZONE 'Asia/Shanghai');
      EXECUTE format('CREATE TRIGGER query_log_no_truncate BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION query_log_is_append_only()', partition);
      created := created + 1;
    END IF;
    month := (month + interval '1 month')::date;
  END LOOP;
  RETURN created;
END;
$$;

SELECT query_log_ensure_partitions(
  (coalesce((SELECT min(at) FROM query_log_unpartitioned), now()) AT TIME ZONE 'Asia/Shanghai')::date,
  ((now() AT TIME ZONE 'Asia/Shanghai') + interval '12 months')::date);
INSERT INTO query_log (id, at, actor_role, actor_id, actor_agency, person_id, purpose, legal_basis, outcome, subject)
  SELECT id, at, actor_role, actor_id, actor_agency, person_id, purpose, legal_basis, outcome, subject FROM query_log_unpartitioned;
DROP TABLE query_log_unpartitioned;

-- Down Migration
ALTER TABLE query_log RENAME TO query_log_partitioned;
CREATE TABLE query_log (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  actor_role   text NOT NULL,
  actor_id     text NOT NULL,
  person_id    uuid,
  purpose      text NOT NULL,
  legal_basis  text NOT NULL,
  outcome      text NOT NULL DEFAULT 'granted' CHECK (outcome IN ('granted', 'refused')),
  actor_agency text,
  subject      text,
  CONSTRAINT query_log_granted_names_person_unpartitioned CHECK (outcome = 'refused' OR person_id IS NOT NULL)
);
INSERT INTO query_log (at, actor_role, actor_id, person_id, purpose, legal_basis, outcome, actor_agency, subject)
  SELECT at, actor_role, actor_id, person_id, purpose, legal_basis, outcome, actor_agency, subject FROM query_log_partitioned ORDER BY id;
DROP TABLE query_log_partitioned;
DROP FUNCTION query_log_ensure_partitions(date, date);
CREATE INDEX query_log_person ON query_log (person_id, at);
CREATE TRIGGER query_log_append_only BEFORE UPDATE OR DELETE ON query_log
  FOR EACH ROW EXECUTE FUNCTION query_log_is_append_only();
