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

/** What a requester's query is checked against and, once every check passes, what it reads. */
export interface AuthorizedQueryFacts {
  /** The kind the requester is registered as, or null. */
  requesterKind: string | null;
  authorization?: AuthorizationRow & { inTime: boolean; agreed: boolean };
  /** The purpose's version in force now (null if withdrawn or unknown), and whether the requester is registered for it. */
  purpose?: { inForce: boolean; legalBasis: string; discloses: string[]; registered: boolean };
  /** Read only for the registered requester the authorization names, in time, for its purpose and scenario, with the agreement in force. */
  score?: { score: number; level: string; computedAt: string };
}

/**
 * A third-party query's checks and read in one prepared statement (Art. 15, 18): the score is read
 * inside it only when every check the route makes passes, so nothing is read before it is allowed.
 */
export async function authorizedQueryFacts(
  pool: pg.Pool,
  query: { authorizationId: string; requesterId: string; purpose: string; scenario: string },
): Promise<AuthorizedQueryFacts> {
  const found = await pool.query<
    Partial<Stored> & {
      requester_kind: string | null; in_time: boolean; agreed: boolean; score: number | null; level: string | null; computed_at: Date | null;
      purpose_in_force: boolean | null; legal_basis: string | null; discloses: string[] | null; registered: boolean | null;
    }
  >({
    name: 'authorized-query-facts',
    text: `SELECT (SELECT kind FROM agencies WHERE id = $2) AS requester_kind, ${COLUMNS.split(', ').map((c) => `a.${c}`).join(', ')},
              a.valid_until > now() AS in_time, g.agreed, s.score, s.level, s.computed_at,
              p.in_force AS purpose_in_force, p.legal_basis, p.discloses, p.registered
       FROM (SELECT 1) AS one
       LEFT JOIN authorizations a ON a.id = $1
       LEFT JOIN LATERAL (SELECT agreement_in_force(a.person_id) AS agreed) g ON a.id IS NOT NULL
       LEFT JOIN LATERAL (
         SELECT q.in_force, q.legal_basis, q.discloses, EXISTS (SELECT 1 FROM purpose_registrations r WHERE r.purpose = q.code AND r.requester_id = $2) AS registered
         FROM query_purposes q WHERE q.code = a.purpose ORDER BY q.version DESC LIMIT 1
       ) p ON true
       LEFT JOIN LATERAL (
         SELECT score, level, computed_at FROM scores
         WHERE person_id = a.person_id AND scenario = a.scenario
           AND a.requester_id = $2 AND a.state = 'active' AND a.valid_until > now() AND a.purpose = $3 AND a.scenario = $4 AND g.agreed
           AND EXISTS (SELECT 1 FROM agencies WHERE id = $2 AND kind = 'requester') AND p.in_force AND p.registered
       ) s ON true`,
    values: [query.authorizationId, query.requesterId, query.purpose, query.scenario],
  });
  const row = found.rows[0]!;
  return {
    requesterKind: row.requester_kind,
    ...(row.id ? { authorization: { ...view(row as Stored), inTime: row.in_time, agreed: row.agreed } } : {}),
    ...(row.legal_basis !== null ? { purpose: { inForce: row.purpose_in_force!, legalBasis: row.legal_basis, discloses: row.discloses!, registered: row.registered! } } : {}),
    ...(row.score !== null ? { score: { score: row.score, level: row.level!, computedAt: row.computed_at!.toISOString() } } : {}),
  };
}

export interface PurposeRow {
  code: string;
  version: number;
  legalBasis: string;
  description: string;
  scenarios: string[];
  discloses: string[];
  publishedAt: string;
  /** The requesters registered for it. */
  requesters: string[];
}

/** The catalogue in force: each purpose's latest version, unless that version withdrew it. */
export async function purposesInForce(pool: pg.Pool): Promise<PurposeRow[]> {
  const found = await pool.query<PurposeRow & { publishedAt: Date }>(
    `SELECT q.code, q.version, q.legal_basis AS "legalBasis", q.description, q.scenarios, q.discloses, q.published_at AS "publishedAt",
            coalesce((SELECT array_agg(r.requester_id ORDER BY r.requester_id) FROM purpose_registrations r WHERE r.purpose = q.code), '{}') AS requesters
     FROM (SELECT DISTINCT ON (code) * FROM query_purposes ORDER BY code, version DESC) q WHERE q.in_force ORDER BY q.code`,
  );
  return found.rows.map((row) => ({ ...row, publishedAt: row.publishedAt.toISOString() }));
}
