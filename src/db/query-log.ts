import type pg from 'pg';
import type { Actor } from '../domain/roles';

type Queryable = Pick<pg.Pool, 'query'>;

/** Art. 22: registers a read of persons' data (who, whose, why, on what basis) in the append-only log. */
export async function logPersonRead(db: Queryable, actor: Actor, personIds: string[], purpose: string, legalBasis: string): Promise<void> {
  if (personIds.length === 0) return;
  await db.query(
    `INSERT INTO query_log (actor_role, actor_id, actor_agency, person_id, purpose, legal_basis)
     SELECT $1, $2, $3, unnest($4::uuid[]), $5, $6`,
    [actor.role, actor.subject, actor.agencyId ?? null, [...new Set(personIds)], purpose, legalBasis],
  );
}

/**
 * Art. 22: registers a read that was refused: who asked, for what (`subject`, an opaque id), and
 * for whose data when it is known. The caller is answered 404 as for anything it may not see.
 */
export async function logRefusedRead(db: Queryable, actor: Actor, read: { subject: string; personIds: string[]; purpose: string }): Promise<void> {
  await db.query(
    `INSERT INTO query_log (actor_role, actor_id, actor_agency, person_id, purpose, legal_basis, outcome, subject)
     SELECT $1, $2, $3, person_id, $5, 'none: refused', 'refused', $6
     FROM unnest(CASE WHEN cardinality($4::uuid[]) = 0 THEN ARRAY[NULL::uuid] ELSE $4::uuid[] END) AS person_id`,
    [actor.role, actor.subject, actor.agencyId ?? null, [...new Set(read.personIds)], read.purpose, read.subject],
  );
}
