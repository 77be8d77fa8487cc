import { allHandlersFinished, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { AuthorizationActivities } from '../../activities/authorization';
import { databaseStepOptions } from '../shared/activity-options';
import { NOT_THE_APPLICANT, refusal } from '../shared/contract';
import { CurrentDetails } from '../shared/current-details';
import { Filing } from '../shared/filing';
import {
  AUTHORIZATION_CLOSED,
  authorizationQuery,
  grantAuthorizationUpdate,
  revokeAuthorizationUpdate,
  type AuthorizationInput,
  type AuthorizationView,
} from './contract';

const authorizations = proxyActivities<AuthorizationActivities>(databaseStepOptions);

/**
 * Art. 15, 18: a person authorizes a requester to read what one purpose needs of one scenario.
 * The authorization ends by itself at `validUntil`, or at once when the person revokes it.
 * Workflow id `authorization/{id}`.
 */
export async function authorizationWorkflow(input: AuthorizationInput): Promise<AuthorizationView> {
  const details = new CurrentDetails();
  const view: AuthorizationView = { state: 'active', validUntil: input.validUntil };
  let revoked = false;
  const filing = new Filing(grantAuthorizationUpdate, () => view);
  setHandler(authorizationQuery, () => view);
  setHandler(
    revokeAuthorizationUpdate,
    async () => {
      revoked = true;
      await condition(() => view.state !== 'active');
      return view;
    },
    {
      validator: ({ personId }) => {
        if (personId !== input.personId) throw refusal(NOT_THE_APPLICANT, 'Only the person who granted it may revoke the authorization', 'personId');
        if (view.state !== 'active' || revoked) throw refusal(AUTHORIZATION_CLOSED, `The authorization is already ${revoked ? 'revoked' : view.state}`, 'authorizationId');
      },
    },
  );

  const granted = await filing.file(() => authorizations.grantAuthorization({ ...input, at: new Date().toISOString() }));
  if (!granted) {
    view.state = 'refused';
    details.end({ zh: '未授权：申请未能登记', en: 'Not granted: the authorization was refused' });
    await condition(allHandlersFinished);
    return view;
  }
  details.waitFor('end', {
    what: { zh: `授权期满（查询方 ${input.requesterId} 在此之前可按授权查询，本人可随时撤回）`, en: `the authorization to run out (requester ${input.requesterId} may query under it until then; the person may revoke it at any time)` },
    until: new Date(input.validUntil),
  });
  const endsIn = Math.max(1, Date.parse(input.validUntil) - Date.now());
  const ended = (await condition(() => revoked, endsIn)) ? 'revoked' : 'expired';
  // Stored before it is told: a revocation answers once no query can be answered under it.
  await authorizations.endAuthorization({ authorizationId: input.authorizationId, state: ended, at: new Date().toISOString() });
  view.state = ended;
  details.end(ended === 'revoked' ? { zh: '本人已撤回授权', en: 'Revoked by the person' } : { zh: '授权已到期', en: 'Expired' });
  await condition(allHandlersFinished);
  return view;
}
