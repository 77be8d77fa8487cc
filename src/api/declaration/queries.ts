import type pg from 'pg';
import { failureReason, shownState } from '../shared/process-failures';

export interface DeclarationRow {
  declarationId: string;
  personId: string;
  verifierId: string;
  category: string;
  typeCode: string;
  formedOn: string;
  evidence: unknown[];
  state: string;
  recordId: string | null;
  decisionReasons: string | null;
  filedAt: string;
  closedAt: string | null;
  /** Why its workflow failed, if it did (its state is then `failed`). */
  failure: string | null;
}

interface StoredDeclaration {
  id: string;
  person_id: string;
  verifier_id: string;
  category: string;
  type_code: string;
  formed_on: string;
  evidence: unknown[];
  state: string;
  record_id: string | null;
  decision_reasons: string | null;
  authorized_at: Date;
  closed_at: Date | null;
  failure: string | null;
}

const COLUMNS = `id, person_id, verifier_id, category, type_code, formed_on, evidence, ${shownState("'declaration/' || id", 'state', "state = 'verifying'")} AS state,
  record_id, decision_reasons, authorized_at, closed_at, ${failureReason("'declaration/' || id")} AS failure`;

function view(row: StoredDeclaration): DeclarationRow {
  return {
    declarationId: row.id,
    personId: row.person_id,
    verifierId: row.verifier_id,
    category: row.category,
    typeCode: row.type_code,
    formedOn: row.formed_on,
    evidence: row.evidence,
    state: row.state,
    recordId: row.record_id,
    decisionReasons: row.decision_reasons,
    filedAt: row.authorized_at.toISOString(),
    closedAt: row.closed_at?.toISOString() ?? null,
    failure: row.failure,
  };
}

export async function declarationById(pool: pg.Pool, declarationId: string): Promise<DeclarationRow | undefined> {
  const found = await pool.query<StoredDeclaration>(`SELECT ${COLUMNS} FROM declarations WHERE id = $1`, [declarationId]);
  return found.rows[0] && view(found.rows[0]);
}

/** A person's declarations, the latest first. */
export async function declarationsOf(pool: pg.Pool, personId: string): Promise<DeclarationRow[]> {
  const found = await pool.query<StoredDeclaration>(`SELECT ${COLUMNS} FROM declarations WHERE person_id = $1 ORDER BY authorized_at DESC, id`, [personId]);
  return found.rows.map(view);
}
