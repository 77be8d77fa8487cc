import { hasAgreementInForce } from '../../db/agreement-in-force';
import type { Actor } from '../../domain/roles';
import { ApiError } from '../errors';
import type { ApiDependencies } from './dependencies';

/**
 * Art. 7: no score leaves the platform, to anyone, the person included, unless the person signed
 * the collection-and-use agreement by real name and has not revoked it; a person reads their own
 * only when authenticated by real name. A refusal is registered (Art. 22) and says how to sign.
 * `inForce` is the agreement's state when the caller read it with the data it guards (in the
 * same statement); without it, it is read here.
 */
export async function requireAgreement(deps: Pick<ApiDependencies, 'pool' | 'queryLog'>, actor: Actor, personId: string, purpose: string, inForce?: boolean): Promise<void> {
  if (actor.role === 'person' && !actor.realName) {
    await deps.queryLog.refusedRead(actor, { subject: `score/${personId}`, personIds: [personId], purpose: `${purpose}: not authenticated by real name` });
    throw new ApiError(403, 'real-name-required', 'Reading a score needs real-name authentication (Art. 7): sign in again with real-name verification', 'token');
  }
  if (!(inForce ?? (await hasAgreementInForce(deps.pool, personId)))) {
    await deps.queryLog.refusedRead(actor, { subject: `score/${personId}`, personIds: [personId], purpose: `${purpose}: no agreement in force` });
    throw new ApiError(
      403,
      'agreement-required',
      'No collection-and-use agreement is in force (Art. 7): the person signs it with POST /me/agreement (its text: GET /agreement-text)',
      'agreement',
    );
  }
}
