import type pg from 'pg';

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
}

export async function objectionById(pool: pg.Pool, objectionId: string): Promise<ObjectionRow | undefined> {
  const found = await pool.query<{
    person_id: string; target: string; human_review: boolean; record_id: string | null; state: string; path: string | null; outcome: string | null; outcome_reasons: string | null; received_on: string;
  }>('SELECT person_id, target, human_review, record_id, state, path, outcome, outcome_reasons, received_on FROM objections WHERE id = $1', [objectionId]);
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
    }
  );
}
