import type pg from 'pg';
import type { SharerKind } from '../../domain/record';
import type { Actor } from '../../domain/roles';
import { ApiError } from '../errors';

/**
 * The organisation a token acts for, which must be registered as the kind the token's role is
 * (`kind`: for a role that is not a kind itself, the kind it must be registered as; the
 * civilised-behaviour database feeds for an agency). `registeredAs` is the kind the caller read
 * in the same statement as the data it guards (null: not registered); without it, it is read here.
 */
export async function organisationOf<K extends SharerKind | 'requester' = SharerKind>(
  pool: pg.Pool,
  actor: Actor,
  kind = actor.role as K,
  registeredAs?: string | null,
): Promise<{ id: string; kind: K }> {
  const agencyId = actor.agencyId!;
  const registered = registeredAs !== undefined ? registeredAs : ((await pool.query<{ kind: string }>('SELECT kind FROM agencies WHERE id = $1', [agencyId])).rows[0]?.kind ?? null);
  if (registered === null) throw new ApiError(403, 'unregistered-sharer', `${agencyId} is not a registered organisation`, 'agency');
  if (registered !== kind) throw new ApiError(403, 'forbidden', `${agencyId} is registered as ${registered}, not ${kind}`, 'agency');
  return { id: agencyId, kind };
}
