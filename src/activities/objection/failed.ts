import type { FailureCloser } from '../shared/process-failures';

/**
 * A failed objection is closed as failed and disputes its record no more (Art. 20): the record is
 * shown undisputed, and its person may object to it again.
 */
export const closeFailedObjection: FailureCloser = async (db, failure) => {
  const objectionId = /^objection\/([0-9a-f-]{36})$/.exec(failure.workflowId)?.[1];
  if (!objectionId) return;
  await db.query(
    `WITH closed AS (UPDATE objections SET state = 'failed', closed_at = $2 WHERE id = $1 AND state = 'open' RETURNING record_id)
     UPDATE records SET disputed_by = NULL WHERE id = (SELECT record_id FROM closed) AND disputed_by = $1`,
    [objectionId, failure.at],
  );
};
