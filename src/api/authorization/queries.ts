import type pg from 'pg';

export interface AuthorizationRow {
  authorizationId: string;
  personId: string;
  requesterId: string;
  purpose: string;
  scenario: string;
  validUntil: string;
  grantedAt: string;
  state: 'active' | 'expired' | 'revoked';
  endedAt: string | null;
}

interface Stored {
  id: string;
  person_id: string;
  requester_id: string;
  purpose: string;
  scenario: string;
  valid_until: Date;
  granted_at: Date;
  state: AuthorizationRow['state'];
  ended_at: Date | null;
}

const COLUMNS = 'id, person_id, requester_id, purpose, scenario, valid_until, granted_at, state, ended_at';

function view(row: Stored): AuthorizationRow {
  return {
    authorizationId: row.id,
    personId: row.person_id,
    requesterId: row.requester_id,
    purpose: row.purpose,
    scenario: row.scenario,
    validUntil: row.valid_until.toISOString(),
    grantedAt: row.granted_at.toISOString(),
    state: row.state,
    endedAt: row.ended_at?.toISOString() ?? null,
  };
}

export async function authorizationById(pool: pg.Pool, authorizationId: string): Promise<AuthorizationRow | undefined> {
  const found = await pool.query<Stored>(`SELECT ${COLUMNS} FROM authorizations WHERE id = $1`, [authorizationId]);
  return found.rows[0] && view(found.rows[0]);
}

/** A person's authorizations, the latest first. */
export async function authorizationsOf(pool: pg.Pool, personId: string): Promise<AuthorizationRow[]> {
  const found = await pool.query<Stored>(`SELECT ${COLUMNS} FROM authorizations WHERE person_id = $1 ORDER BY granted_at DESC, id`, [personId]);
  return found.rows.map(view);
}

/** The person's current score in a scenario, if they are scored in it. */
export async function currentScore(pool: pg.Pool, personId: string, scenario: string): Promise<{ score: number; level: string; computedAt: string } | undefined> {
  const found = await pool.query<{ score: number; level: string; computed_at: Date }>('SELECT score, level, computed_at FROM scores WHERE person_id = $1 AND scenario = $2', [
    personId,
    scenario,
  ]);
  const row = found.rows[0];
  return row && { score: row.score, level: row.level, computedAt: row.computed_at.toISOString() };
}
