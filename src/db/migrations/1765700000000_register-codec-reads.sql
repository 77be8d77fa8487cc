-- Up Migration
-- Art. 22: a supervisor decrypting workflow payloads through the codec endpoint reads persons'
-- data without the platform knowing whose: the register keeps such a read with what was read
-- (`subject`) instead of a person.
ALTER TABLE query_log DROP CONSTRAINT query_log_granted_names_person;
ALTER TABLE query_log ADD CONSTRAINT query_log_granted_names_person_or_subject CHECK (outcome = 'refused' OR person_id IS NOT NULL OR subject IS NOT NULL);

-- Down Migration
ALTER TABLE query_log DROP CONSTRAINT query_log_granted_names_person_or_subject;
ALTER TABLE query_log ADD CONSTRAINT query_log_granted_names_person CHECK (outcome = 'refused' OR person_id IS NOT NULL);
