-- Up Migration
-- Art. 7 (issue 26 item 10): NDRC publishes new versions of the collection-and-use agreement.
-- A version that needs new consent stops every agreement signed before it until the person signs
-- it; one that does not (a typo, a new address) leaves them in force.
ALTER TABLE agreement_texts
  ADD COLUMN requires_new_consent boolean NOT NULL DEFAULT true,
  ADD COLUMN published_by text;

-- The one definition of an agreement in force, used by every read that needs one: signed, not
-- revoked, and of a version no older than the latest that needed new consent.
CREATE FUNCTION agreement_in_force(person uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (
    SELECT 1 FROM agreements a JOIN agreement_texts t ON t.version = a.text_version
    WHERE a.person_id = person AND a.revoked_at IS NULL
      AND t.published_at >= (SELECT max(published_at) FROM agreement_texts WHERE requires_new_consent)
  )
$$;

-- A new version changes whose agreement is in force, for everyone at once: the API's read views
-- hear it as a change to every person.
CREATE TRIGGER read_views_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON agreement_texts
  FOR EACH STATEMENT EXECUTE FUNCTION notify_read_views_of_everyone();

-- Down Migration
DROP TRIGGER read_views_changed ON agreement_texts;
DROP FUNCTION agreement_in_force(uuid);
ALTER TABLE agreement_texts DROP COLUMN requires_new_consent, DROP COLUMN published_by;
