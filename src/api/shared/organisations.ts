import type pg from 'pg';
import type { SharerKind } from '../../domain/record';
import type { Actor } from '../../domain/roles';
import { ApiError } from '../errors';

/**
 * The organisation a token acts for, which must be registered as the kind the token's role is
 * (`kind`: for a role that is not a kind itself, the kind it must be registered as; the
 * civilised-behaviour database feeds for an agency).
 */
export async function organisationOf<K extends SharerKind | 'requester' = SharerKind>(pool: pg.Pool, actor: Actor, kind = actor.role as K): Promise<{ id: string; kind: K }> {
  const agencyId = actor.agencyId!;
  const found = await pool.query<{ kind: string }>('SELECT kind FROM agencies WHERE id = $1', [agencyId]);
  if (!found.rows[0]) throw new ApiError(403, 'unregistered-sharer', `${agencyId} is not a registered organisation`, 'agency');
  if (found.rows[0].kind !== kind) throw new ApiError(403, 'forbidden', `${agencyId} is registered as ${found.rows[0].kind}, not ${kind}`, 'agency');
  return { id: agencyId, kind };
}
