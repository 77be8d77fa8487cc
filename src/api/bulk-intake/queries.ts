import type pg from 'pg';

export type RowOutcome = 'accepted' | 'refused' | 'duplicate';

export interface RowResult {
  row: number;
  outcome: RowOutcome;
  reference: string | null;
  field: string | null;
  reason: string | null;
  recordId: string | null;
}

/**
 * The stored chunks that can hold the first `limit` results after `afterRow`: a chunk's rows are
 * consecutive, and each row of a stored chunk has exactly one outcome.
 */
function chunksOfPage(
  chunks: { chunk_no: number; first_row: number; rows: number; accepted: number }[],
  afterRow: number,
  limit: number,
  outcome: RowOutcome | undefined,
): number[] {
  if (outcome !== undefined && outcome !== 'accepted') return [];
  const page: number[] = [];
  let covered = 0;
  for (const chunk of chunks) {
    if (chunk.first_row + chunk.rows - 1 <= afterRow) continue;
    page.push(chunk.chunk_no);
    // The first chunk may hold rows before the page: only its rows after afterRow count, and of
    // its accepted ones, not knowing which those are, none.
    if (page.length > 1) covered += outcome === 'accepted' ? chunk.accepted : chunk.rows;
    else covered += outcome === 'accepted' ? 0 : chunk.first_row + chunk.rows - 1 - afterRow;
    if (covered >= limit) break;
  }
  return page;
}

/**
 * A page of a batch's per-row results in row order. Accepted rows come from their chunk's list,
 * every other outcome from intake_rows; references of accepted rows are read from their records.
 */
export async function batchRowResults(
  db: Pick<pg.Pool, 'query'>,
  batchId: string,
  page: { outcome?: RowOutcome; afterRow: number; limit: number },
): Promise<RowResult[]> {
  const chunks = await db.query<{ chunk_no: number; first_row: number; rows: number; accepted: number }>(
    'SELECT chunk_no, first_row, rows, accepted FROM intake_chunks WHERE batch_id = $1 AND stored_at IS NOT NULL ORDER BY chunk_no',
    [batchId],
  );
  const results = await db.query<{ row_no: number; outcome: RowOutcome; reference: string | null; field: string | null; reason: string | null; record_id: string | null }>(
    `WITH page AS (
       SELECT a.row_no, 'accepted'::text AS outcome, NULL::text AS reference, NULL::text AS field, NULL::text AS reason, a.record_id
       FROM intake_chunks c CROSS JOIN LATERAL unnest(c.accepted_rows, c.record_ids) AS a (row_no, record_id)
       WHERE c.batch_id = $1 AND c.chunk_no = ANY($5::int[]) AND a.row_no > $2
       UNION ALL
       (SELECT row_no, outcome, reference, field, reason, record_id FROM intake_rows
        WHERE batch_id = $1 AND row_no > $2 AND ($3::text IS NULL OR outcome = $3) ORDER BY row_no LIMIT $4)
       ORDER BY row_no LIMIT $4
     )
     SELECT p.row_no, p.outcome, coalesce(p.reference, r.reference) AS reference, p.field, p.reason, p.record_id
     FROM page p LEFT JOIN records r ON p.outcome = 'accepted' AND p.reference IS NULL AND r.id = p.record_id
     ORDER BY p.row_no`,
    [batchId, page.afterRow, page.outcome ?? null, page.limit, chunksOfPage(chunks.rows, page.afterRow, page.limit, page.outcome)],
  );
  return results.rows.map((row) => ({
    row: row.row_no,
    outcome: row.outcome,
    reference: row.reference,
    field: row.field,
    reason: row.reason,
    recordId: row.record_id,
  }));
}

export interface BatchView {
  rows: number;
  /** Rows with their outcome so far. */
  rowsStored: number;
  finished: boolean;
  personsAnswered: boolean;
  accepted: number | null;
  refused: number | null;
  duplicates: number | null;
}

/** A sharer's batch and its counts, once final. */
export async function batchOf(db: Pick<pg.Pool, 'query'>, batchId: string, sharerId: string): Promise<BatchView | undefined> {
  const batch = await db.query<{
    rows: number; rows_stored: number; finished_at: Date | null; persons_answered_at: Date | null; accepted: number | null; refused: number | null; duplicates: number | null;
  }>(
    `SELECT rows, finished_at, persons_answered_at, accepted, refused, duplicates,
            (SELECT coalesce(sum(c.rows), 0) FROM intake_chunks c WHERE c.batch_id = b.id AND c.stored_at IS NOT NULL)::int AS rows_stored
     FROM intake_batches b WHERE id = $1 AND sharer_id = $2`,
    [batchId, sharerId],
  );
  const found = batch.rows[0];
  return (
    found && {
      rows: found.rows,
      rowsStored: found.finished_at !== null ? found.rows : found.rows_stored,
      finished: found.finished_at !== null,
      personsAnswered: found.persons_answered_at !== null,
      accepted: found.accepted,
      refused: found.refused,
      duplicates: found.duplicates,
    }
  );
}
