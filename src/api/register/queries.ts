import type pg from 'pg';
import type { RegisterRow } from '../../db/query-log';

/** An entry of the register as it is read back: as written, with its id and time. */
export interface RegisterEntry extends RegisterRow {
  id: string;
  at: string;
  /** Where a page ending here continues: the entry's time to the microsecond and its id. */
  cursor: string;
}

export interface RegisterFilter {
  personId?: string | undefined;
  actorId?: string | undefined;
  agency?: string | undefined;
  outcome?: 'granted' | 'refused' | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** Entries strictly before this one, newest first (keyset: the `at` and `id` of the last entry of the previous page). */
  before?: { at: string; id: string } | undefined;
  /** A person's own view leaves out their own reads: the resident with this platform id. */
  notByPerson?: string | undefined;
  limit: number;
}

/** Entries of the register, newest first; the time bounds let Postgres read only the months concerned. */
export async function registerEntries(pool: pg.Pool, filter: RegisterFilter): Promise<RegisterEntry[]> {
  const found = await pool.query<{
    id: string; at: Date; actor_role: string; actor_id: string; actor_agency: string | null; person_id: string | null;
    purpose: string; legal_basis: string; outcome: 'granted' | 'refused'; subject: string | null; cursor: string;
  }>(
    `SELECT id, at, actor_role, actor_id, actor_agency, person_id, purpose, legal_basis, outcome, subject,
            to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '~' || id AS cursor
     FROM query_log
     WHERE ($1::uuid IS NULL OR person_id = $1) AND ($2::text IS NULL OR actor_id = $2) AND ($3::text IS NULL OR actor_agency = $3)
       AND ($4::text IS NULL OR outcome = $4) AND ($5::timestamptz IS NULL OR at >= $5) AND ($6::timestamptz IS NULL OR at < $6)
       AND ($7::timestamptz IS NULL OR (at, id) < ($7, $8::bigint)) AND ($9::text IS NULL OR NOT (actor_role = 'person' AND actor_id = $9))
     ORDER BY at DESC, id DESC LIMIT $10`,
    [
      filter.personId ?? null, filter.actorId ?? null, filter.agency ?? null, filter.outcome ?? null, filter.from ?? null, filter.to ?? null,
      filter.before?.at ?? null, filter.before?.id ?? null, filter.notByPerson ?? null, filter.limit,
    ],
  );
  return found.rows.map((row) => ({
    id: row.id,
    at: row.at.toISOString(),
    actorRole: row.actor_role,
    actorId: row.actor_id,
    actorAgency: row.actor_agency,
    personId: row.person_id,
    purpose: row.purpose,
    legalBasis: row.legal_basis,
    outcome: row.outcome,
    subject: row.subject,
    cursor: row.cursor,
  }));
}
