import { allHandlersFinished, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { AuthorizationActivities } from '../../activities/authorization';
import { databaseStep } from '../shared/activity-options';
import { NOT_THE_APPLICANT, refusal } from '../shared/contract';
import { Filing } from '../shared/filing';
import {
  AUTHORIZATION_CLOSED,
  authorizationQuery,
  grantAuthorizationUpdate,
  revokeAuthorizationUpdate,
  type AuthorizationInput,
  type AuthorizationView,
} from './contract';

const authorizations = proxyActivities<AuthorizationActivities>(databaseStep);

/**
 * Art. 15, 18: a person authorizes a requester to read what one purpose needs of one scenario.
 * The authorization ends by itself at `validUntil`, or at once when the person revokes it.
 * Workflow id `authorization/{id}`.
 */
export async function authorizationWorkflow(input: AuthorizationInput): Promise<AuthorizationView> {
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
    await condition(allHandlersFinished);
    return view;
  }
  const endsIn = Math.max(1, Date.parse(input.validUntil) - Date.now());
  const ended = (await condition(() => revoked, endsIn)) ? 'revoked' : 'expired';
  // Stored before it is told: a revocation answers once no query can be answered under it.
  await authorizations.endAuthorization({ authorizationId: input.authorizationId, state: ended, at: new Date().toISOString() });
  view.state = ended;
  await condition(allHandlersFinished);
  return view;
}
