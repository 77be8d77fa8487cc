import type pg from 'pg';
import { failureReason, shownState } from '../shared/process-failures';

export interface RecordVersionView {
  version: number;
  status: string;
  typeCode: string;
  tier: string | null;
  formedOn: string;
  details: Record<string, unknown>;
  evidence: unknown[];
  changedBy: string;
  changeReason: string | null;
}

export interface RecordView {
  id: string;
  sharerId: string;
  reference: string;
  personId: string;
  category: string;
  source: string;
  sharedAt: string;
  sharedLate: boolean;
  current: RecordVersionView;
  versions: RecordVersionView[];
}

interface RecordRow {
  id: string;
  sharer_id: string;
  reference: string;
  person_id: string;
  category: string;
  source: string;
  shared_at: Date;
  shared_late: boolean;
  version: number;
  status: string;
  type_code: string;
  tier: string | null;
  formed_on: string;
  details: Record<string, unknown>;
  evidence: unknown[];
  changed_by: string;
  change_reason: string | null;
}

/** Records chosen by one of the filters below, with every version, current version first. */
async function readRecords(pool: pg.Pool, where: string, params: unknown[]): Promise<RecordView[]> {
  const rows = await pool.query<RecordRow>(
    `SELECT * FROM (
       SELECT id, sharer_id, reference, person_id, category, source, shared_at, shared_late, version, status, type_code, tier,
              formed_on, details, evidence, changed_by, change_reason FROM records WHERE ${where}
       UNION ALL
       SELECT h.id, h.sharer_id, h.reference, h.person_id, h.category, h.source, h.shared_at, h.shared_late, h.version, h.status,
              h.type_code, h.tier, h.formed_on, h.details, h.evidence, h.changed_by, h.change_reason
       FROM record_history h JOIN records USING (id) WHERE ${where}
     ) v ORDER BY shared_at DESC, id, version DESC`,
    params,
  );
  const byId = new Map<string, RecordView>();
  for (const row of rows.rows) {
    const version: RecordVersionView = {
      version: row.version,
      status: row.status,
      typeCode: row.type_code,
      tier: row.tier,
      formedOn: row.formed_on,
      details: row.details,
      evidence: row.evidence,
      changedBy: row.changed_by,
      changeReason: row.change_reason,
    };
    const record = byId.get(row.id);
    if (record) record.versions.push(version);
    else {
      byId.set(row.id, {
        id: row.id,
        sharerId: row.sharer_id,
        reference: row.reference,
        personId: row.person_id,
        category: row.category,
        source: row.source,
        sharedAt: row.shared_at.toISOString(),
        sharedLate: row.shared_late,
        current: version,
        versions: [version],
      });
    }
  }
  return [...byId.values()];
}

/** The persons whose records any sharer shared under a reference: one lookup in the (sharer, reference) index per registered sharer. */
export async function personsUnderReference(pool: pg.Pool, reference: string): Promise<string[]> {
  const found = await pool.query<{ person_id: string }>(
    'SELECT DISTINCT r.person_id FROM agencies a JOIN records r ON r.sharer_id = a.id AND r.reference = $1',
    [reference],
  );
  return found.rows.map((row) => row.person_id);
}

export async function recordOfSharer(pool: pg.Pool, sharerId: string, reference: string): Promise<RecordView | undefined> {
  return (await readRecords(pool, 'records.sharer_id = $1 AND records.reference = $2', [sharerId, reference]))[0];
}

export function recordsOfPerson(pool: pg.Pool, personId: string): Promise<RecordView[]> {
  return readRecords(pool, 'records.person_id = $1', [personId]);
}

export interface ObligationRow {
  reference: string;
  formedOn: string;
  state: string;
  dueAt: string | null;
  slaState: string | null;
  provisional: boolean | null;
  sharedLate: boolean | null;
  /** Why its workflow failed, if it did (its state is then `failed`). */
  failure: string | null;
}

/** A sharer's obligations, soonest due first: `open`, `shared` and `withdrawn` filter the obligation, `due-soon` and `breached` its open clock. */
export async function obligationsOf(pool: pg.Pool, sharerId: string, state: string | undefined, limit: number): Promise<ObligationRow[]> {
  const obligationState = state === 'due-soon' || state === 'breached' ? 'open' : (state ?? null);
  const clockState = state === 'due-soon' || state === 'breached' ? state : null;
  const shown = shownState('o.workflow_id', 'o.state', "o.state = 'open'");
  const rows = await pool.query<{
    reference: string; formed_on: string; state: string; due_at: Date | null; sla_state: string | null; provisional: boolean | null; shared_late: boolean | null; failure: string | null;
  }>(
    `SELECT o.reference, o.formed_on, ${shown} AS state, s.due_at, s.state AS sla_state, s.provisional, o.shared_late, ${failureReason('o.workflow_id')} AS failure
     FROM obligations o LEFT JOIN sla_stages s ON s.workflow_id = o.workflow_id AND s.process = 'record-sharing'
     WHERE o.sharer_id = $1 AND ($3::text IS NULL OR ${shown} = $3) AND ($4::text IS NULL OR s.state = $4)
     ORDER BY s.due_at NULLS LAST, o.reference LIMIT $2`,
    [sharerId, limit, obligationState, clockState],
  );
  return rows.rows.map((row) => ({
    reference: row.reference,
    formedOn: row.formed_on,
    state: row.state,
    dueAt: row.due_at?.toISOString() ?? null,
    slaState: row.sla_state,
    provisional: row.provisional,
    sharedLate: row.shared_late,
    failure: row.failure,
  }));
}

/**
 * A shared obligation no workflow holds, as the workflow's query would show it: one met on arrival
 * (a share on time with none announced), or one whose closed workflow the server no longer keeps.
 */
export async function obligationWithoutWorkflow(
  pool: pg.Pool,
  workflowId: string,
): Promise<{ state: 'shared'; dueAt: string | null; slaState: string | null; provisional: boolean | null; recordId: string; late: boolean } | undefined> {
  const found = await pool.query<{ record_id: string; due_at: Date | null; sla_state: string | null; provisional: boolean | null; shared_late: boolean | null }>(
    `SELECT r.id AS record_id, s.due_at, s.state AS sla_state, s.provisional, o.shared_late
     FROM obligations o JOIN records r ON r.sharer_id = o.sharer_id AND r.reference = o.reference
     LEFT JOIN sla_stages s ON s.workflow_id = o.workflow_id AND s.process = 'record-sharing'
     WHERE o.workflow_id = $1 AND o.state = 'shared'`,
    [workflowId],
  );
  const row = found.rows[0];
  return (
    row && { state: 'shared', dueAt: row.due_at?.toISOString() ?? null, slaState: row.sla_state, provisional: row.provisional, recordId: row.record_id, late: row.shared_late ?? false }
  );
}

/** Whether the obligation has its row: announced before, or met on arrival by a share with none announced. */
export async function obligationRecorded(pool: pg.Pool, workflowId: string): Promise<boolean> {
  return (await pool.query('SELECT 1 FROM obligations WHERE workflow_id = $1', [workflowId])).rows.length > 0;
}
