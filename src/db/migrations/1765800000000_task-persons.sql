-- Up Migration
-- Art. 22: a reviewer reading a task reads the data of the person it concerns (a record, an
-- objection's evidence, a score's breakdown): each task names that person, so the read is registered.
ALTER TABLE tasks ADD COLUMN person_id uuid;
CREATE INDEX tasks_person ON tasks (person_id);

-- Down Migration
ALTER TABLE tasks DROP COLUMN person_id;
