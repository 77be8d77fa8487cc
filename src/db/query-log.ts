import type pg from 'pg';
import type { Actor } from '../domain/roles';

/** Art. 22: registers a read of persons' data (who, whose, why, on what basis) in the append-only log. */
export async function logPersonRead(
  db: Pick<pg.Pool, 'query'>,
  actor: Actor,
  personIds: string[],
  purpose: string,
  legalBasis: string,
): Promise<void> {
  if (personIds.length === 0) return;
  await db.query(
    `INSERT INTO query_log (actor_role, actor_id, person_id, purpose, legal_basis)
     SELECT $1, $2, unnest($3::uuid[]), $4, $5`,
    [actor.role, actor.subject, [...new Set(personIds)], purpose, legalBasis],
  );
}
