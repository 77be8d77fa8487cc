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

export interface DeclarationRouteRow {
  typeCode: string;
  issuer: string;
  agencyId: string;
  setBy: string;
  setAt: string;
}

/** Every route NDRC has set, by type, a type's route for any issuer ('') first. */
export async function declarationRouteRows(pool: pg.Pool): Promise<DeclarationRouteRow[]> {
  const found = await pool.query<DeclarationRouteRow & { setAt: Date }>(
    `SELECT type_code AS "typeCode", issuer, agency_id AS "agencyId", set_by AS "setBy", set_at AS "setAt" FROM declaration_routes ORDER BY type_code, issuer`,
  );
  return found.rows.map((row) => ({ ...row, setAt: row.setAt.toISOString() }));
}

/** The agency that verifies a declaration of this type from this issuer: the issuer's own route, else the type's route for any issuer. */
export async function verifierFor(pool: pg.Pool, typeCode: string, issuer: string): Promise<string | undefined> {
  const found = await pool.query<{ agency_id: string }>(
    `SELECT agency_id FROM declaration_routes WHERE type_code = $1 AND issuer IN ($2, '') ORDER BY issuer = '' LIMIT 1`,
    [typeCode, issuer],
  );
  return found.rows[0]?.agency_id;
}
