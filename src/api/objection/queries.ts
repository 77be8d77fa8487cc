import type pg from 'pg';
import { failureReason, shownState } from '../shared/process-failures';

export interface ObjectionRow {
  personId: string;
  target: string;
  humanReview: boolean;
  recordId: string | null;
  state: string;
  path: string | null;
  outcome: string | null;
  outcomeReasons: string | null;
  receivedOn: string;
  /** What the outcome changed: the record, its type, its new version and status. */
  changed: { recordId: string; typeCode: string; version: number; status: string } | null;
  /** Why its workflow failed, if it did (its state is then `failed`). */
  failure: string | null;
}

export async function objectionById(pool: pg.Pool, objectionId: string): Promise<ObjectionRow | undefined> {
  const found = await pool.query<{
    person_id: string; target: string; human_review: boolean; record_id: string | null; state: string; path: string | null; outcome: string | null; outcome_reasons: string | null; received_on: string;
    changed: ObjectionRow['changed']; failure: string | null;
  }>(
    `SELECT person_id, target, human_review, record_id, ${shownState("'objection/' || id", 'state', "state = 'open'")} AS state, path, outcome, outcome_reasons, received_on, changed,
            ${failureReason("'objection/' || id")} AS failure
     FROM objections WHERE id = $1`,
    [objectionId],
  );
  const row = found.rows[0];
  return (
    row && {
      personId: row.person_id,
      target: row.target,
      humanReview: row.human_review,
      recordId: row.record_id,
      state: row.state,
      path: row.path,
      outcome: row.outcome,
      outcomeReasons: row.outcome_reasons,
      receivedOn: row.received_on,
      changed: row.changed,
      failure: row.failure,
    }
  );
}
