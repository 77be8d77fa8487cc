-- Up Migration
-- The API keeps its hottest reads (a person's own score, a requester's query, an incentive check)
-- in memory (src/api/shared/read-views.ts) and must hear of every change to what they show,
-- whoever writes it: each statement that changes a person's data notifies the channel
-- read_views_changed, at commit, with the persons it touched (comma-separated ids), or '*' when
-- they would not fit one notification (bulk intake, a rescoring run). A change to what every read
-- depends on (organisations, incentives, models, the catalogue) notifies '*'. Ids only: a
-- notification carries no personal data.
-- Scores and their history are the exception: scorePersons (src/db/scoring.ts), their only
-- writer, notifies in its own statement, as a trigger with a transition table would copy every
-- row of a rescoring run (1.0-1.3 s more for a first run of 100,000 persons in bench:rescore).
-- Their TRUNCATE still notifies '*'.
CREATE FUNCTION notify_read_views_of_persons() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  persons text;
BEGIN
  -- 180 ids of 36 characters and their commas stay under a notification's 8000 bytes.
  EXECUTE format('SELECT CASE WHEN count(*) > 180 THEN ''*'' ELSE string_agg(DISTINCT %I::text, '','') END FROM (SELECT %I FROM changed LIMIT 181) c', TG_ARGV[0], TG_ARGV[0])
    INTO persons;
  IF persons IS NOT NULL THEN
    PERFORM pg_notify('read_views_changed', persons);
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION notify_read_views_of_everyone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('read_views_changed', '*');
  RETURN NULL;
END $$;

DO $$
DECLARE
  person_table record;
  shared_table text;
BEGIN
  FOR person_table IN SELECT * FROM (VALUES ('persons', 'id'), ('agreements', 'person_id'), ('authorizations', 'person_id'), ('records', 'person_id')) AS t(name, person_column)
  LOOP
    -- A trigger with transition tables takes one event: one for each.
    EXECUTE format('CREATE TRIGGER read_views_inserted AFTER INSERT ON %I REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_read_views_of_persons(%L)', person_table.name, person_table.person_column);
    EXECUTE format('CREATE TRIGGER read_views_updated AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_read_views_of_persons(%L)', person_table.name, person_table.person_column);
    EXECUTE format('CREATE TRIGGER read_views_deleted AFTER DELETE ON %I REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_read_views_of_persons(%L)', person_table.name, person_table.person_column);
    EXECUTE format('CREATE TRIGGER read_views_truncated AFTER TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION notify_read_views_of_everyone()', person_table.name);
  END LOOP;
  FOREACH shared_table IN ARRAY ARRAY['scores', 'score_history'] LOOP
    EXECUTE format('CREATE TRIGGER read_views_truncated AFTER TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION notify_read_views_of_everyone()', shared_table);
  END LOOP;
  FOREACH shared_table IN ARRAY ARRAY['agencies', 'incentives', 'score_models', 'record_types'] LOOP
    EXECUTE format('CREATE TRIGGER read_views_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION notify_read_views_of_everyone()', shared_table);
  END LOOP;
END $$;

-- Down Migration
DO $$
DECLARE
  name text;
BEGIN
  FOREACH name IN ARRAY ARRAY['persons', 'agreements', 'authorizations', 'records'] LOOP
    EXECUTE format('DROP TRIGGER read_views_inserted ON %I', name);
    EXECUTE format('DROP TRIGGER read_views_updated ON %I', name);
    EXECUTE format('DROP TRIGGER read_views_deleted ON %I', name);
  END LOOP;
  FOREACH name IN ARRAY ARRAY['persons', 'agreements', 'authorizations', 'records', 'scores', 'score_history'] LOOP
    EXECUTE format('DROP TRIGGER read_views_truncated ON %I', name);
  END LOOP;
  FOREACH name IN ARRAY ARRAY['agencies', 'incentives', 'score_models', 'record_types'] LOOP
    EXECUTE format('DROP TRIGGER read_views_changed ON %I', name);
  END LOOP;
END $$;
DROP FUNCTION notify_read_views_of_everyone();
DROP FUNCTION notify_read_views_of_persons();
